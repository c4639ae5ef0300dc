"""Visit preparation as clock times: when to stop eating and drinking before an
appointment, in the clinic's time zone, and a calendar file (.ics) with an alarm at the
start of the fast. The hours come from ``forms/data/visit_prep.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from forms.clock import clinic_timezone
from forms.i18n import DEFAULT as DEFAULT_LANGUAGE
from forms.i18n import Text
from forms.visit_prep import load_visit_prep

VISIT_LENGTH = timedelta(hours=2)


def clock(moment: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    """'8:00 am' (in Spanish 'las 8:00 a. m.', with the article the hour takes)."""
    tx = Text(language)
    hour = moment.hour % 12 or 12
    return tx.ui("clock_one" if hour == 1 else "clock", hour=hour, minute=f"{moment.minute:02d}",
                 half=tx.ui("am" if moment.hour < 12 else "pm"))


def day(moment: date, language: str = DEFAULT_LANGUAGE) -> str:
    """'Thursday 3 December' (a date, or a datetime's date)."""
    tx = Text(language)
    return tx.ui("date_long", weekday=tx.ui("weekdays").split()[moment.weekday()],
                 day=moment.day, month=tx.ui("months").split()[moment.month - 1])


def capitalised(text: str) -> str:
    """The first letter a capital, the rest as it is ("clear liquids until 8:00 am" opens a
    line; ``str.capitalize`` would lower "Thursday")."""
    return text[:1].upper() + text[1:]


def full_stop(text: str) -> str:
    """A sentence's closing period, unless it already ends in one (Spanish 'p. m.')."""
    return text if text.endswith(".") else f"{text}."


@dataclass(frozen=True)
class PrepTimes:
    appointment: datetime  # in the clinic's time zone
    food_until: datetime
    liquids_until: datetime

    def lines(self, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
        """The instructions in plain words, e.g. 'No food after 8:00 am on Thursday 3 December'."""
        tx = Text(language)

        def at(moment: datetime) -> dict[str, str]:
            return {"time": clock(moment, language), "day": day(moment, language)}

        food = tx.ui("prep_food", **at(self.food_until))
        same_day = self.liquids_until.date() == self.food_until.date()
        liquids = tx.ui("prep_liquids" if same_day else "prep_liquids_day", **at(self.liquids_until))
        same_day = self.appointment.date() == self.liquids_until.date()
        arrive = tx.ui("prep_arrive" if same_day else "prep_arrive_day", **at(self.appointment))
        return food, liquids, arrive

    def sentence(self, language: str = DEFAULT_LANGUAGE) -> str:
        food, liquids, arrive = self.lines(language)
        return full_stop(f"{food}; {liquids}; {arrive}")


def prep_times(appointment_at: datetime, zone: ZoneInfo | None = None) -> PrepTimes:
    """The fasting times of an appointment (an aware datetime), in the clinic's time zone."""
    if appointment_at.tzinfo is None:
        raise ValueError("appointment time needs a time zone")
    fasting = load_visit_prep().fasting
    local = appointment_at.astimezone(zone or clinic_timezone())
    # Subtract on the UTC line, then show in local time: a daylight-saving change overnight
    # still leaves exactly the required hours.
    food = (appointment_at - timedelta(hours=fasting.food_hours)).astimezone(local.tzinfo)
    liquids = (appointment_at - timedelta(hours=fasting.clear_liquids_hours)).astimezone(local.tzinfo)
    return PrepTimes(appointment=local, food_until=food, liquids_until=liquids)


def calendar_file(times: PrepTimes, clinic_name: str, uid: str, language: str = DEFAULT_LANGUAGE) -> bytes:
    """An .ics file: the appointment, with an alarm when the fast starts. No health data."""
    from icalendar import Alarm, Calendar, Event

    tx = Text(language)
    calendar = Calendar()
    calendar.add("prodid", "-//Pre-visit screening//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid)
    event.add("summary", tx.ui("prep_ics_summary", clinic=clinic_name))
    event.add("dtstart", times.appointment)
    event.add("dtend", times.appointment + VISIT_LENGTH)
    event.add("dtstamp", datetime.now(times.appointment.tzinfo))
    event.add("description", capitalised(times.sentence(language)))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", full_stop(tx.ui("prep_ics_alarm", liquids=times.lines(language)[1])))
    alarm.add("trigger", times.food_until - times.appointment)  # relative to the start
    event.add_component(alarm)
    calendar.add_component(event)
    # A VTIMEZONE, so every calendar reads the clinic's time (only the rules around the visit).
    visit = times.appointment.date()
    calendar.add_missing_timezones(first_date=visit - timedelta(days=366),
                                   last_date=visit + timedelta(days=366))
    return bytes(calendar.to_ical())
