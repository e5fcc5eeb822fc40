{#
  Companies whose aging total differs from the open residual computed straight from Odoo's replicated
  tables (posted items on accounts of `account_type`, times `sign` to match how the mart shows them).
  Shared by the AR and AP business tests.
#}
{% macro aging_residual_mismatches(aging, account_type, sign) %}
with from_odoo as (
    select lines.company_id, {{ sign }} * sum(lines.amount_residual) as residual
    from {{ source('odoo', 'account_move_line') }} as lines
    inner join {{ source('odoo', 'account_account') }} as accounts
        on accounts.id = lines.account_id
    where lines.parent_state = 'posted'
      and accounts.account_type = '{{ account_type }}'
      and lines.amount_residual <> 0
    group by lines.company_id
),

from_mart as (
    select company_id, sum(residual_amount) as residual
    from {{ aging }}
    group by company_id
)

select
    coalesce(from_odoo.company_id, from_mart.company_id) as company_id,
    from_odoo.residual as odoo_residual,
    from_mart.residual as aging_residual
from from_odoo
full outer join from_mart
    on from_mart.company_id = from_odoo.company_id
where from_odoo.residual is distinct from from_mart.residual
{% endmacro %}
