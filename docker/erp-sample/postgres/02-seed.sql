-- Seed data: the customer and documents of the demo story's order 12345, before Context
-- Bridge has linked them (context columns empty).
INSERT INTO customer (customer_no, name) VALUES
  ('C-1001', 'Ada Lovelace'),
  ('C-1002', 'Grace Hopper')
ON CONFLICT DO NOTHING;

INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount) VALUES
  ('12345', 'C-1001', '2026-03-14 16:05:00+00', 'EUR', 249.90),
  ('12346', 'C-1002', '2026-03-14 17:30:00+00', 'EUR', 89.00)
ON CONFLICT DO NOTHING;

INSERT INTO ar_invoice (invoice_no, order_no, customer_no, invoice_date, currency, amount) VALUES
  ('INV-12345', '12345', 'C-1001', '2026-03-15', 'EUR', 249.90)
ON CONFLICT DO NOTHING;

INSERT INTO gl_journal_line (journal_id, line_no, posting_date, account, debit, credit, currency, order_no) VALUES
  ('JE-12345', 1, '2026-03-15', '1200', 249.90, 0, 'EUR', '12345'),
  ('JE-12345', 2, '2026-03-15', '4000', 0, 210.00, 'EUR', '12345'),
  ('JE-12345', 3, '2026-03-15', '2200', 0, 39.90, 'EUR', '12345')
ON CONFLICT DO NOTHING;
