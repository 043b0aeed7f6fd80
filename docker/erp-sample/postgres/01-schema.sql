-- Context Bridge reference ERP ("sample-erp"): the smallest schema that has what real ERPs
-- have where Context Bridge links in: an order header (Order Management), an invoice
-- (Accounts Receivable) and revenue journal lines (General Ledger). The context columns are
-- what an ERP administrator adds as custom fields; the sample-erp connector profile maps them.

CREATE TABLE IF NOT EXISTS customer (
  customer_no      VARCHAR(20) PRIMARY KEY,
  name             VARCHAR(200) NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sales_order (
  order_no              VARCHAR(40) PRIMARY KEY,
  customer_no           VARCHAR(20) REFERENCES customer (customer_no),
  order_date            TIMESTAMPTZ NOT NULL,
  currency              CHAR(3) NOT NULL,
  total_amount          NUMERIC(18, 2) NOT NULL,
  status                VARCHAR(20) NOT NULL DEFAULT 'open',
  -- context fields
  context_reference_id  VARCHAR(40),
  context_version       INTEGER,
  first_touch_channel   VARCHAR(40),
  last_touch_channel    VARCHAR(40),
  primary_campaign      VARCHAR(120),
  touchpoints           INTEGER,
  sessions              INTEGER,
  days_to_convert       NUMERIC(8, 2),
  context_url           VARCHAR(500),
  context_linked_at     TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS sales_order_context_idx ON sales_order (context_reference_id);

CREATE TABLE IF NOT EXISTS ar_invoice (
  invoice_no            VARCHAR(40) PRIMARY KEY,
  order_no              VARCHAR(40) REFERENCES sales_order (order_no),
  customer_no           VARCHAR(20) REFERENCES customer (customer_no),
  invoice_date          DATE NOT NULL,
  currency              CHAR(3) NOT NULL,
  amount                NUMERIC(18, 2) NOT NULL,
  -- context fields
  context_reference_id  VARCHAR(40),
  context_version       INTEGER,
  channel               VARCHAR(40),
  campaign              VARCHAR(120)
);
CREATE INDEX IF NOT EXISTS ar_invoice_context_idx ON ar_invoice (context_reference_id);

CREATE TABLE IF NOT EXISTS gl_journal_line (
  journal_id            VARCHAR(40) NOT NULL,
  line_no               INTEGER NOT NULL,
  posting_date          DATE NOT NULL,
  account               VARCHAR(20) NOT NULL,
  debit                 NUMERIC(18, 2) NOT NULL DEFAULT 0,
  credit                NUMERIC(18, 2) NOT NULL DEFAULT 0,
  currency              CHAR(3) NOT NULL,
  order_no              VARCHAR(40),
  -- analytic dimensions set by Context Bridge
  context_reference_id  VARCHAR(40),
  context_version       INTEGER,
  channel               VARCHAR(40),
  campaign              VARCHAR(120),
  PRIMARY KEY (journal_id, line_no)
);
CREATE INDEX IF NOT EXISTS gl_journal_line_context_idx ON gl_journal_line (context_reference_id);
