//! Time zones in settings: read by their IANA name once, when the settings are loaded, with a
//! message that says what was expected; written back as the name. Use on a `chrono_tz::Tz` field
//! with `#[serde(with = "crate::calendar::zone")]`.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serializer};

/// The zone named `text` (`Europe/Rome`), or a message quoting it.
pub fn parse(text: &str) -> Result<Tz, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not an IANA time zone (e.g. Europe/Rome)"))
}

/// Writes the zone's name.
pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// Reads a zone's name.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_zone_is_read_by_name_and_a_wrong_one_quoted() {
        assert_eq!(super::parse("Europe/Rome"), Ok(chrono_tz::Europe::Rome));
        let e = super::parse("Mars/Olympus").unwrap_err();
        assert!(e.contains("`Mars/Olympus` is not an IANA time zone"), "{e}");
    }
}
