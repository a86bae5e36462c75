-- Sales-qualified clients (int_clients__classified) as Dynamics contacts.
{{ dynamics_client_rows('contact') }}
