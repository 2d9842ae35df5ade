//! A whole [`Diarization`] as JSON (segments, speakers with their
//! centroids, ...), the field names those of the Rust types: what services
//! store or send on, and read back.

use super::result::Diarization;
use crate::{Error, Result};

impl Diarization {
    /// The whole result as JSON.
    ///
    /// Errors: [`Error::InvalidArgument`] if serialisation fails, which
    /// only a custom serializer could make happen. Non-finite numbers
    /// (none that the diarizer makes) are written as `null` and are then
    /// refused by [`from_json`](Self::from_json).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::invalid_argument("diarization", e.to_string()))
    }

    /// Reads a result written by [`to_json`](Self::to_json).
    ///
    /// Errors: [`Error::Malformed`] (`what` = `"JSON"`) with the line of
    /// the first problem: not JSON, a missing field, a value of the wrong type.
    ///
    /// ```
    /// use voiceprint_core::diarization::Diarization;
    /// let d = Diarization { duration: 1.0, speech_seconds: 0.0, segments: vec![],
    ///                       speakers: vec![], model_id: "m".into() };
    /// assert_eq!(Diarization::from_json(&d.to_json()?)?, d);
    /// assert!(Diarization::from_json("{\"duration\": 1.0}").is_err());
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Diarization> {
        serde_json::from_str(text).map_err(|e| Error::malformed("JSON", e.line(), e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diarization::{KnownVoice, Segment, Speaker};
    use crate::gender::Gender;

    #[test]
    fn json_round_trip() {
        let segment = |start, end, speaker: &str, subtitle_index| Segment {
            start,
            end,
            speaker: speaker.into(),
            confidence: 0.75,
            subtitle_index,
        };
        let d = Diarization {
            duration: 10.0,
            speech_seconds: 4.0,
            segments: vec![
                segment(0.0, 1.5, "alice", None),
                segment(1.25, 3.0, "bob", Some(4)),
            ],
            speakers: vec![Speaker {
                label: "alice".into(),
                speech_seconds: 2.5,
                turns: 2,
                centroid: vec![0.6, 0.8],
                gender: Some(Gender::Female),
                female_probability: Some(0.25),
                median_f0_hz: Some(180.5),
                known: Some(KnownVoice {
                    id: "alice".into(),
                    score: 0.8125,
                }),
                best_candidate: None,
            }],
            model_id: "ge2e".into(),
        };
        let json = d.to_json().unwrap();
        assert!(!json.contains("subtitle_index\":null"), "{json}");
        assert_eq!(Diarization::from_json(&json).unwrap(), d);
    }

    #[test]
    fn refuses_bad_json_with_its_line() {
        let e = Diarization::from_json("{\n\"duration\": \"long\"\n}").unwrap_err();
        match e {
            Error::Malformed { what, line, .. } => assert_eq!((what, line), ("JSON", 2)),
            other => panic!("{other:?}"),
        }
        assert!(Diarization::from_json("").is_err());
    }
}
