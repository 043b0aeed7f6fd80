-- Oracle E-Business Suite open-interface shaped tables (schema "ebs"), with the columns of
-- OE_HEADERS_IFACE_ALL (Order Import), RA_INTERFACE_LINES_ALL (AutoInvoice) and GL_INTERFACE
-- (Journal Import) that Context Bridge writes, named and sized as EBS R12 documents them
-- (upper case, as Oracle's dictionary holds them). Context Bridge stages a row per context
-- version; the context goes into the descriptive-flexfield ATTRIBUTE columns.

CREATE SCHEMA IF NOT EXISTS ebs;

CREATE TABLE IF NOT EXISTS ebs."OE_HEADERS_IFACE_ALL" (
  "ORDER_SOURCE_ID"         NUMERIC NOT NULL,
  "ORIG_SYS_DOCUMENT_REF"   VARCHAR(50) NOT NULL,
  "CHANGE_SEQUENCE"         VARCHAR(50),
  "OPERATION_CODE"          VARCHAR(30),
  "ORG_ID"                  NUMERIC,
  "CONTEXT"                 VARCHAR(30),
  "ATTRIBUTE1"              VARCHAR(240),
  "ATTRIBUTE2"              VARCHAR(240),
  "ATTRIBUTE3"              VARCHAR(240),
  "ATTRIBUTE4"              VARCHAR(240),
  "ATTRIBUTE5"              VARCHAR(240),
  "ATTRIBUTE6"              VARCHAR(240),
  "ATTRIBUTE7"              VARCHAR(240),
  "ATTRIBUTE8"              VARCHAR(240),
  "ATTRIBUTE9"              VARCHAR(240),
  "ATTRIBUTE10"             VARCHAR(240),
  "READY_FLAG"              VARCHAR(1),
  "ERROR_FLAG"              VARCHAR(1),
  "REQUEST_ID"              NUMERIC,
  "CREATION_DATE"           DATE NOT NULL,
  "CREATED_BY"              NUMERIC NOT NULL,
  "LAST_UPDATE_DATE"        DATE NOT NULL,
  "LAST_UPDATED_BY"         NUMERIC NOT NULL
);
CREATE INDEX IF NOT EXISTS "OE_HEADERS_IFACE_ALL_N1"
  ON ebs."OE_HEADERS_IFACE_ALL" ("ORDER_SOURCE_ID", "ORIG_SYS_DOCUMENT_REF");

CREATE TABLE IF NOT EXISTS ebs."RA_INTERFACE_LINES_ALL" (
  "INTERFACE_LINE_ID"         NUMERIC,
  "INTERFACE_LINE_CONTEXT"    VARCHAR(30),
  "INTERFACE_LINE_ATTRIBUTE1" VARCHAR(150),
  "INTERFACE_LINE_ATTRIBUTE2" VARCHAR(150),
  "INTERFACE_LINE_ATTRIBUTE3" VARCHAR(150),
  "BATCH_SOURCE_NAME"         VARCHAR(50) NOT NULL,
  "LINE_TYPE"                 VARCHAR(20) NOT NULL,
  "DESCRIPTION"               VARCHAR(240) NOT NULL,
  "CURRENCY_CODE"             VARCHAR(15) NOT NULL,
  "AMOUNT"                    NUMERIC,
  "TRX_NUMBER"                VARCHAR(20),
  "ATTRIBUTE_CATEGORY"        VARCHAR(30),
  "ATTRIBUTE1"                VARCHAR(150),
  "ATTRIBUTE2"                VARCHAR(150),
  "ATTRIBUTE3"                VARCHAR(150),
  "ATTRIBUTE4"                VARCHAR(150),
  "ATTRIBUTE5"                VARCHAR(150),
  "ORG_ID"                    NUMERIC,
  "CREATED_BY"                NUMERIC,
  "CREATION_DATE"             DATE,
  "LAST_UPDATED_BY"           NUMERIC,
  "LAST_UPDATE_DATE"          DATE
);
CREATE INDEX IF NOT EXISTS "RA_INTERFACE_LINES_N1"
  ON ebs."RA_INTERFACE_LINES_ALL" ("INTERFACE_LINE_CONTEXT", "INTERFACE_LINE_ATTRIBUTE1");

CREATE TABLE IF NOT EXISTS ebs."GL_INTERFACE" (
  "STATUS"                  VARCHAR(50) NOT NULL,
  "LEDGER_ID"               NUMERIC NOT NULL,
  "ACCOUNTING_DATE"         DATE NOT NULL,
  "CURRENCY_CODE"           VARCHAR(15) NOT NULL,
  "DATE_CREATED"            DATE NOT NULL,
  "CREATED_BY"              NUMERIC NOT NULL,
  "ACTUAL_FLAG"             VARCHAR(1) NOT NULL,
  "USER_JE_CATEGORY_NAME"   VARCHAR(25) NOT NULL,
  "USER_JE_SOURCE_NAME"     VARCHAR(25) NOT NULL,
  "ENTERED_DR"              NUMERIC,
  "ENTERED_CR"              NUMERIC,
  "REFERENCE1"              VARCHAR(100),
  "REFERENCE4"              VARCHAR(100),
  "REFERENCE10"             VARCHAR(240),
  "REFERENCE21"             VARCHAR(240),
  "REFERENCE22"             VARCHAR(240),
  "GROUP_ID"                NUMERIC,
  "CONTEXT"                 VARCHAR(150),
  "ATTRIBUTE1"              VARCHAR(150),
  "ATTRIBUTE2"              VARCHAR(150),
  "ATTRIBUTE3"              VARCHAR(150),
  "ATTRIBUTE4"              VARCHAR(150)
);
CREATE INDEX IF NOT EXISTS "GL_INTERFACE_N1" ON ebs."GL_INTERFACE" ("REFERENCE4", "REFERENCE21");
