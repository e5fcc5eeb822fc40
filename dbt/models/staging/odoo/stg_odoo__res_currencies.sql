select
    id as currency_id,
    name as currency_code,
    full_name as currency_name,
    symbol as currency_symbol,
    rounding,
    decimal_places,
    position as symbol_position,
    iso_numeric,
    coalesce(active, false) as is_active,
    write_date as updated_at
from {{ source('odoo', 'res_currency') }}
