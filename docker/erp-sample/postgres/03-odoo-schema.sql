-- Odoo-shaped tables (schema "odoo"): the columns of Odoo's sale.order, account.move and
-- account.move.line that Context Bridge reads or keys on, as Odoo 17 stores them, plus the
-- custom fields an administrator adds (Odoo names them x_…). GL lines carry the campaign as
-- an analytic distribution ({"<analytic account id>": percent}), as Odoo 17 does.

CREATE SCHEMA IF NOT EXISTS odoo;

CREATE TABLE IF NOT EXISTS odoo.sale_order (
  id                        SERIAL PRIMARY KEY,
  name                      VARCHAR NOT NULL,              -- S00042
  client_order_ref          VARCHAR,                       -- the shop's order number
  partner_id                INTEGER NOT NULL,
  date_order                TIMESTAMP NOT NULL,
  state                     VARCHAR NOT NULL DEFAULT 'sale',
  currency_id               INTEGER NOT NULL,
  amount_untaxed            NUMERIC,
  amount_tax                NUMERIC,
  amount_total              NUMERIC,
  -- custom fields
  x_context_reference_id    VARCHAR,
  x_context_version         INTEGER,
  x_first_touch_channel     VARCHAR,
  x_last_touch_channel      VARCHAR,
  x_campaign                VARCHAR,
  x_touchpoints             INTEGER,
  x_days_to_convert         NUMERIC
);
CREATE INDEX IF NOT EXISTS sale_order_client_order_ref_index ON odoo.sale_order (client_order_ref);

CREATE TABLE IF NOT EXISTS odoo.account_move (
  id                        SERIAL PRIMARY KEY,
  name                      VARCHAR,                       -- INV/2026/00001, or the shop's number
  move_type                 VARCHAR NOT NULL,              -- out_invoice, entry, …
  state                     VARCHAR NOT NULL DEFAULT 'posted',
  ref                       VARCHAR,
  invoice_origin            VARCHAR,                       -- the sale order's name
  invoice_date              DATE,
  date                      DATE NOT NULL,
  partner_id                INTEGER,
  currency_id               INTEGER NOT NULL,
  amount_total              NUMERIC,
  -- custom fields
  x_context_reference_id    VARCHAR,
  x_context_version         INTEGER,
  x_channel                 VARCHAR,
  x_campaign                VARCHAR
);
CREATE INDEX IF NOT EXISTS account_move_name_index ON odoo.account_move (name);

CREATE TABLE IF NOT EXISTS odoo.account_move_line (
  id                        SERIAL PRIMARY KEY,
  move_id                   INTEGER NOT NULL REFERENCES odoo.account_move (id) ON DELETE CASCADE,
  move_name                 VARCHAR,                       -- stored copy of the move's name
  date                      DATE NOT NULL,
  parent_state              VARCHAR,
  account_id                INTEGER NOT NULL,
  name                      VARCHAR,
  debit                     NUMERIC NOT NULL DEFAULT 0,
  credit                    NUMERIC NOT NULL DEFAULT 0,
  balance                   NUMERIC NOT NULL DEFAULT 0,
  analytic_distribution     JSONB,
  -- custom fields
  x_context_reference_id    VARCHAR,
  x_context_version         INTEGER,
  x_channel                 VARCHAR
);
CREATE INDEX IF NOT EXISTS account_move_line_move_name_index ON odoo.account_move_line (move_name);
