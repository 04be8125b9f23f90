"""Unit conversion: convert_angle, convert_energy, convert_force, convert_length, convert_mass,
convert_speed, convert_temperature, convert_volume.

Each unit is written as its value in the quantity's base unit (degree, joule, newton, meter,
kilogram, meter per second, kelvin, cubic meter): `base = x * scale + offset`. A conversion goes
through the base unit. The unit names are the ones on the reference pages; Kusto's factors are
those of the UnitsNet library (a BTU is 1055.05585262 J, a knot 0.514444 m/s), which the pages'
examples reproduce; the imperial masses derived from the pound (stone, hundredweights, grain) use
their exact definitions. Names match without regard to case (the pages themselves spell
'HorsepowerHour' and 'DecathermEc' where the library has 'HorsePowerHour' and 'ThermEc' with a
'Deca' prefix). An unknown unit gives null, as the pages say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..sql.quote import quote_string
from .registry import Arg, scalar

_PREFIX = {"nano": 1e-9, "micro": 1e-6, "milli": 1e-3, "centi": 1e-2, "deci": 1e-1, "deca": 1e1, "hecto": 1e2,
           "kilo": 1e3, "mega": 1e6, "giga": 1e9, "tera": 1e12}


class _Units:
    """One quantity's units: lower-case name -> (scale, offset) into the base unit."""

    def __init__(self) -> None:
        self.units: dict[str, tuple[float, float]] = {}

    def add(self, name: str, scale: float, prefixes: str = "", offset: float = 0.0) -> _Units:
        self.units[name.lower()] = (scale, offset)
        for p in prefixes.split():
            self.units[(p + name).lower()] = (_PREFIX[p.lower()] * scale, offset)
        return self


_ANGLE = (_Units().add("Degree", 1, "Nano Micro Milli").add("Radian", 180 / math.pi, "Nano Micro Milli Centi Deci")
          .add("Arcminute", 1 / 60).add("Arcsecond", 1 / 3600).add("Gradian", 0.9).add("NatoMil", 9 / 160)
          .add("Revolution", 360))
# Tilt is sin(angle): not linear, so it is converted on its own
_TILT = "tilt"

_ENERGY = (_Units().add("Joule", 1, "Milli Kilo Mega Giga").add("Calorie", 4.184, "Kilo Mega")
           .add("BritishThermalUnit", 1055.05585262, "Kilo Mega Giga")
           .add("ElectronVolt", 1.602176565e-19, "Kilo Mega Giga Tera").add("FootPound", 1.355817948)
           .add("Erg", 1e-7).add("WattHour", 3600, "Kilo Mega Giga Tera").add("WattDay", 24 * 3600, "Kilo Mega Giga Tera")
           .add("ThermEc", 1.05505585262e8, "Deca").add("ThermUs", 1.054804e8, "Deca")
           .add("ThermImperial", 1.05505585257348e8, "Deca").add("HorsepowerHour", 2.6845195377e6))

_FORCE = (_Units().add("Newton", 1, "Micro Milli Deca Kilo Mega").add("Dyn", 1e-5).add("KilogramForce", 9.80665002864)
          .add("TonneForce", 9.80665002864e3).add("KiloPond", 9.80665002864).add("Poundal", 0.13825502798973041652)
          .add("PoundForce", 4.4482216152605095551842641431421, "Kilo").add("OunceForce", 2.780138509537812e-1)
          .add("ShortTonForce", 8.896443230521e3))

_LENGTH = (_Units().add("Meter", 1, "Nano Micro Milli Centi Deci Deca Hecto Kilo").add("Mile", 1609.344)
           .add("Yard", 0.9144).add("Foot", 0.3048).add("UsSurveyFoot", 1200 / 3937).add("Inch", 2.54e-2)
           .add("Mil", 2.54e-5).add("NauticalMile", 1852).add("Fathom", 1.8288).add("Shackle", 27.432)
           .add("Microinch", 2.54e-8).add("PrinterPoint", 2.54e-2 / 72.27).add("DtpPoint", 2.54e-2 / 72)
           .add("PrinterPica", 1 / 237.106301584).add("DtpPica", 1 / 236.220472441).add("Twip", 1 / 56692.913385826)
           .add("Hand", 1.016e-1).add("AstronomicalUnit", 1.4959787070e11).add("Parsec", 3.08567758128e16, "Kilo Mega")
           .add("LightYear", 9.46073047258e15, "Kilo Mega").add("SolarRadius", 6.95510000e8).add("Angstrom", 1e-10)
           .add("Chain", 20.1168).add("DataMile", 1828.8))

_MASS = (_Units().add("Gram", 1e-3, "Nano Micro Milli Centi Deci Deca Hecto Kilo").add("Tonne", 1e3, "Kilo Mega")
         .add("ShortTon", 9.0718474e2).add("LongTon", 1.0160469088e3).add("Pound", 0.45359237, "Kilo Mega")
         .add("Ounce", 0.028349523125).add("Slug", 14.5939029372064).add("Stone", 14 * 0.45359237)
         .add("ShortHundredweight", 100 * 0.45359237).add("LongHundredweight", 112 * 0.45359237)
         .add("Grain", 64.79891e-6).add("SolarMass", 1.98947e30).add("EarthMass", 5.9722e24))

_SPEED = (_Units().add("MeterPerSecond", 1, "Nano Micro Milli Centi Deci Kilo")
          .add("MeterPerMinute", 1 / 60, "Nano Micro Milli Centi Deci Kilo").add("MeterPerHour", 1 / 3600, "Milli Centi Kilo")
          .add("FootPerSecond", 0.3048).add("FootPerMinute", 0.3048 / 60).add("FootPerHour", 0.3048 / 3600)
          .add("UsSurveyFootPerSecond", 1200 / 3937).add("UsSurveyFootPerMinute", 1200 / 3937 / 60)
          .add("UsSurveyFootPerHour", 1200 / 3937 / 3600).add("InchPerSecond", 2.54e-2)
          .add("InchPerMinute", 2.54e-2 / 60).add("InchPerHour", 2.54e-2 / 3600).add("YardPerSecond", 0.9144)
          .add("YardPerMinute", 0.9144 / 60).add("YardPerHour", 0.9144 / 3600).add("Knot", 0.514444)
          .add("MilePerHour", 0.44704))

_TEMPERATURE = (_Units().add("Kelvin", 1).add("DegreeCelsius", 1, offset=273.15)
                .add("MillidegreeCelsius", 1e-3, offset=273.15).add("DegreeDelisle", -2 / 3, offset=373.15)
                .add("DegreeFahrenheit", 5 / 9, offset=459.67 * 5 / 9).add("DegreeNewton", 100 / 33, offset=273.15)
                .add("DegreeRankine", 5 / 9).add("DegreeReaumur", 5 / 4, offset=273.15)
                .add("DegreeRoemer", 40 / 21, offset=273.15 - 7.5 * 40 / 21).add("SolarTemperature", 5778))

_VOLUME = (_Units().add("Liter", 1e-3, "Micro Milli Centi Deci Deca Hecto Kilo Mega").add("CubicMeter", 1, "Hecto Kilo")
           .add("CubicKilometer", 1e9).add("CubicHectometer", 1e6).add("CubicDecimeter", 1e-3)
           .add("CubicCentimeter", 1e-6).add("CubicMillimeter", 1e-9).add("CubicMicrometer", 1e-18)
           .add("CubicMile", 4.16818182544058e9).add("CubicYard", 0.764554858).add("CubicFoot", 0.0283168, "Hecto Kilo Mega")
           .add("CubicInch", 1.6387e-5).add("ImperialGallon", 0.00454609000000181429905810072407, "Kilo Mega")
           .add("ImperialOunce", 2.8413062499962901241875439064617e-5).add("UsGallon", 0.00378541, "Deca Deci Hecto Kilo Mega")
           .add("UsOunce", 2.957352956253760505068307980135e-5).add("UsTablespoon", 1.478676478125e-5)
           .add("AuTablespoon", 2e-5).add("UkTablespoon", 1.5e-5).add("MetricTeaspoon", 0.5e-5)
           .add("UsTeaspoon", 4.92892159375e-6).add("MetricCup", 0.00025).add("UsCustomaryCup", 0.0002365882365)
           .add("UsLegalCup", 0.00024).add("OilBarrel", 0.158987294928).add("UsBeerBarrel", 0.1173477658)
           .add("ImperialBeerBarrel", 0.16365924).add("UsQuart", 9.46352946e-4).add("UsPint", 4.73176473e-4)
           .add("AcreFoot", 1 / 0.000810714).add("ImperialPint", 5.6826125e-4).add("BoardFoot", 2.3597372158e-3))


def _num(f: float) -> str:
    return f"CAST({f!r} AS DOUBLE)"


def _to_base(units: _Units, unit: str, x: str, tilt: bool) -> str:
    """The SQL of x (in the unit named by SQL text `unit`) in the base unit, null for an unknown unit."""
    cases = " ".join(f"WHEN {quote_string(n)} THEN ({x}) * {_num(s)} + {_num(o)}" for n, (s, o) in units.units.items())
    if tilt:
        cases += f" WHEN '{_TILT}' THEN degrees(asin({x}))"
    return f"CASE lower({unit}) {cases} END"


def _from_base(units: _Units, unit: str, b: str, tilt: bool) -> str:
    cases = " ".join(f"WHEN {quote_string(n)} THEN (({b}) - {_num(o)}) / {_num(s)}" for n, (s, o) in units.units.items())
    if tilt:
        cases += f" WHEN '{_TILT}' THEN sin(radians({b}))"
    return f"CASE lower({unit}) {cases} END"


def _converter(units: _Units, tilt: bool = False):
    def build(a: Sequence[Arg]) -> str:
        value, source, target = a
        x = f"CAST({value.sql} AS DOUBLE)"
        if source.is_const and target.is_const:  # the usual call: pick the two units now
            known = set(units.units) | ({_TILT} if tilt else set())
            names = (str(source.value).lower(), str(target.value).lower())
            if any(n not in known for n in names):
                return "CAST(NULL AS DOUBLE)"
            if names[0] == _TILT:
                base = f"degrees(asin({x}))"
            else:
                scale, offset = units.units[names[0]]
                base = f"({x} * {_num(scale)} + {_num(offset)})"
            if names[1] == _TILT:
                return f"sin(radians({base}))"
            scale, offset = units.units[names[1]]
            return f"(({base} - {_num(offset)}) / {_num(scale)})"
        return (f"(SELECT {_from_base(units, '__kq_u_to', '__kq_b', tilt)} FROM (SELECT {_to_base(units, source.sql, x, tilt)} AS __kq_b, "
                f"{target.sql} AS __kq_u_to))")
    return build


scalar("convert_angle", "number string string", "real", _converter(_ANGLE, tilt=True))
scalar("convert_energy", "number string string", "real", _converter(_ENERGY))
scalar("convert_force", "number string string", "real", _converter(_FORCE))
scalar("convert_length", "number string string", "real", _converter(_LENGTH))
scalar("convert_mass", "number string string", "real", _converter(_MASS))
scalar("convert_speed", "number string string", "real", _converter(_SPEED))
scalar("convert_temperature", "number string string", "real", _converter(_TEMPERATURE))
scalar("convert_volume", "number string string", "real", _converter(_VOLUME))
