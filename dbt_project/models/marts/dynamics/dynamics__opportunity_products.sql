-- The line of each payment opportunity, as its opportunity carries it (the
-- loader writes the line with the opportunity, before closing it as won).
select
    bizstim_payment_id,
    line_productdescription as productdescription,
    line_isproductoverridden as isproductoverridden,
    line_quantity as quantity,
    line_priceperunit as priceperunit
from {{ ref('dynamics__opportunities') }}
