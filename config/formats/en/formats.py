# The English back office keeps unambiguous ISO dates: 2026-12-03 09:14.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i:s"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# What a date field accepts: ISO, as written above; the Polish way too (staff switch languages).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
