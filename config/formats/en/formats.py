"""English dates for readers in Malaysia and elsewhere: "6 April 2028", "6 Apr 2028, 14:05".

Never 06/04/2028, which half the world reads as the 4th of June; the month is in words and
the clock has 24 hours, as in Malay (config/formats/ms/formats.py).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
