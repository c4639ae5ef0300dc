"""Visit preparation as clock times: when to stop eating and drinking before an
appointment, in the clinic's time zone, and a calendar file (.ics) with an alarm at the
start of the fast. The hours come from ``forms/data/visit_prep.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from forms.clock import clinic_timezone
from forms.visit_prep import load_visit_prep

VISIT_LENGTH = timedelta(hours=2)


def clock(moment: datetime) -> str:
    """'8:00 am'."""
    return moment.strftime("%I:%M %p").lstrip("0").lower()


def day(moment: date) -> str:
    """'Thursday 3 December' (a date, or a datetime's date)."""
    return f"{moment:%A} {moment.day} {moment:%B}"


@dataclass(frozen=True)
class PrepTimes:
    appointment: datetime  # in the clinic's time zone
    food_until: datetime
    liquids_until: datetime

    def lines(self) -> tuple[str, ...]:
        """The instructions in plain words, e.g. 'No food after 8:00 am on Thursday 3 December'."""
        food = f"No food after {clock(self.food_until)} on {day(self.food_until)}"
        liquids = f"clear liquids until {clock(self.liquids_until)}"
        if self.liquids_until.date() != self.food_until.date():
            liquids += f" on {day(self.liquids_until)}"
        arrive = (f"arrive with the adult who will drive you home at {clock(self.appointment)}"
                  + ("" if self.appointment.date() == self.liquids_until.date()
                     else f" on {day(self.appointment)}"))
        return food, liquids, arrive

    def sentence(self) -> str:
        food, liquids, arrive = self.lines()
        return f"{food}; {liquids}; {arrive}."


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


def calendar_file(times: PrepTimes, clinic_name: str, uid: str) -> bytes:
    """An .ics file: the appointment, with an alarm when the fast starts. No health data."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Pre-visit screening//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid)
    event.add("summary", f"Appointment at {clinic_name}")
    event.add("dtstart", times.appointment)
    event.add("dtend", times.appointment + VISIT_LENGTH)
    event.add("dtstamp", datetime.now(times.appointment.tzinfo))
    event.add("description", times.sentence()[0].upper() + times.sentence()[1:])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Stop eating now: {times.lines()[1]}.")
    alarm.add("trigger", times.food_until - times.appointment)  # relative to the start
    event.add_component(alarm)
    calendar.add_component(event)
    # A VTIMEZONE, so every calendar reads the clinic's time (only the rules around the visit).
    visit = times.appointment.date()
    calendar.add_missing_timezones(first_date=visit - timedelta(days=366),
                                   last_date=visit + timedelta(days=366))
    return bytes(calendar.to_ical())
