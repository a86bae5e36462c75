-- Unqualified clients (prospects, or no revenue payment) as Dynamics leads.
{{ dynamics_client_rows('lead') }}
