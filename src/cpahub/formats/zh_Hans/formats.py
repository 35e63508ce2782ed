"""Number formats for Chinese: amounts grouped in threes with commas, as financial statements,
invoices and audit reports write them (Django's own zh_Hans formats group nothing). Dates and the
rest come from Django's zh_Hans formats."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
