-- The line of each payment opportunity (written before the opportunity is
-- closed as won): a write-in product describing the payment.
select
    bizstim_payment_id,
    'Bizstim ' || payment_kind || ' payment' as productdescription,
    true as isproductoverridden,
    1 as quantity,
    actualvalue as priceperunit
from {{ ref('dynamics__opportunities') }}
