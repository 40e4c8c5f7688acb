# How Polish staff write dates: 03.12.2026 09:14 (templates use the named formats only).
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i:s"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
# What a date field accepts: as written above, and ISO (links and habits from before).
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
