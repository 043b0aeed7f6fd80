-- ERPNext-shaped tables: the columns of Sales Order, Sales Invoice and GL Entry that Context
-- Bridge reads or keys on, as ERPNext v15 stores them (Frappe's `tab<DocType>` tables, `name`
-- as the primary key), plus the custom fields an administrator adds (custom_…). The shop's
-- order number is the Sales Order's customer purchase order (po_no).

CREATE TABLE IF NOT EXISTS `tabSales Order` (
  `name` varchar(140) NOT NULL,
  `po_no` varchar(140) DEFAULT NULL,
  `customer` varchar(140) DEFAULT NULL,
  `transaction_date` date DEFAULT NULL,
  `currency` varchar(140) DEFAULT NULL,
  `grand_total` decimal(21,9) NOT NULL DEFAULT 0.000000000,
  `docstatus` int(1) NOT NULL DEFAULT 0,
  `status` varchar(140) DEFAULT 'Draft',
  `custom_context_reference_id` varchar(140) DEFAULT NULL,
  `custom_context_version` int(11) DEFAULT NULL,
  `custom_first_touch_channel` varchar(140) DEFAULT NULL,
  `custom_last_touch_channel` varchar(140) DEFAULT NULL,
  `custom_campaign` varchar(140) DEFAULT NULL,
  `custom_touchpoints` int(11) DEFAULT NULL,
  PRIMARY KEY (`name`),
  KEY `po_no` (`po_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `tabSales Invoice` (
  `name` varchar(140) NOT NULL,
  `customer` varchar(140) DEFAULT NULL,
  `posting_date` date DEFAULT NULL,
  `currency` varchar(140) DEFAULT NULL,
  `grand_total` decimal(21,9) NOT NULL DEFAULT 0.000000000,
  `docstatus` int(1) NOT NULL DEFAULT 0,
  `po_no` varchar(140) DEFAULT NULL,
  `custom_context_reference_id` varchar(140) DEFAULT NULL,
  `custom_context_version` int(11) DEFAULT NULL,
  `custom_channel` varchar(140) DEFAULT NULL,
  `custom_campaign` varchar(140) DEFAULT NULL,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS `tabGL Entry` (
  `name` varchar(140) NOT NULL,
  `posting_date` date DEFAULT NULL,
  `account` varchar(140) DEFAULT NULL,
  `debit` decimal(21,9) NOT NULL DEFAULT 0.000000000,
  `credit` decimal(21,9) NOT NULL DEFAULT 0.000000000,
  `voucher_type` varchar(140) DEFAULT NULL,
  `voucher_no` varchar(140) DEFAULT NULL,
  `against_voucher` varchar(140) DEFAULT NULL,
  `cost_center` varchar(140) DEFAULT NULL,
  `is_cancelled` int(1) NOT NULL DEFAULT 0,
  `custom_context_reference_id` varchar(140) DEFAULT NULL,
  `custom_context_version` int(11) DEFAULT NULL,
  `custom_channel` varchar(140) DEFAULT NULL,
  `custom_campaign` varchar(140) DEFAULT NULL,
  PRIMARY KEY (`name`),
  KEY `voucher_no` (`voucher_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
