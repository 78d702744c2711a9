"""Malay dates: "6 April 2028", "6 Apr 2028, 12:10".

Django's Malay formats write the time as "12:10 malam" for ten past noon (its "p.m." is
translated as "malam", night); a 24-hour clock says what it means.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
