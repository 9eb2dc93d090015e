//! Routing safety on the text citizens really send (issue 6): invisible characters, blank-looking
//! texts, short texts whose language cannot be told, and evidence or stored text that would quote
//! a person's name or address.

use crate::helpers::*;
use instrada::config::StoredText;
use serde_json::json;

#[tokio::test]
async fn invisible_characters_and_spelled_letters_do_not_hide_a_signal() {
    let app = spawn_app().await;
    for text in [
        "fu\u{200b}ga di g\u{200b}a\u{200b}s in via Roma",
        "fuga di g\u{ad}a\u{ad}s in via Roma",
        "\u{feff}odore\u{2060} di gas\u{200d} in cantina",
        "fuga di G A S in via Roma",
        "odore di g.a.s. in cantina",
        "fu\u{0}ga di gas in via Roma",
        "ｆｕｇａ ｄｉ ｇａｓ in via Roma",
    ] {
        let d = app.route("phone", text).await;
        let names: Vec<&str> = d.urgency.signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["gas_leak"], "{text:?}: {:?}", d.reasons);
        assert_eq!(d.queue, "pronto_intervento", "{text:?}");
    }
}

#[tokio::test]
async fn a_text_with_no_letter_or_digit_after_cleaning_is_empty_text() {
    let app = spawn_app().await;
    for text in [
        "\u{200b}\u{200b}\u{200b}",
        "\u{0}",
        "\u{feff}\u{00ad}\u{2060}",
        "🔥🔥🔥",
        "🙏 😡 !!!",
        "... ?? --",
    ] {
        let r = app
            .post("/v1/route", &json!({"channel": "chat", "text": text}))
            .await;
        assert_error(r, 422, "empty_text").await;
    }
    let r = app
        .post(
            "/v1/route/batch",
            &json!({"requests": [
                {"channel": "chat", "text": "avviso TARI"},
                {"channel": "chat", "text": "\u{200b}"}
            ]}),
        )
        .await;
    let msg = assert_error(r, 422, "empty_text").await;
    assert!(msg.contains("requests[1].text"), "{msg}");
    // Emoji with words is a request like any other.
    let d = app.route("chat", "🔥 fuga di gas in cantina").await;
    assert_eq!(d.urgency.signals[0].name, "gas_leak");
}

#[tokio::test]
async fn a_language_that_cannot_be_told_is_the_default_and_moves_no_request() {
    let app = spawn_app().await;
    for text in [
        "buca in strada",
        "ticket mensa",
        "Bonus asilo nido",
        "riga1\r\nriga2 TARI",
        "fuga di gas in via Roma",
        "ok grazie",
    ] {
        let d = app.route("email", text).await;
        assert_eq!(d.language, "it", "{text:?}: {:?}", d.reasons);
        assert!(
            !d.skills.iter().any(|s| s.starts_with("lang:")),
            "{text:?}: {:?}",
            d.skills
        );
        assert!(
            d.reasons.iter().any(|r| r.starts_with("Language `it`")),
            "{text:?}: {:?}",
            d.reasons
        );
    }
    let arabic = app
        .route(
            "email",
            "مرحبا، أريد أن أسأل عن شهادة الإقامة لعائلتي من فضلكم",
        )
        .await;
    assert_eq!(arabic.language, "it");
    assert!(
        arabic.reasons.iter().any(|r| r.contains("Arabic script")),
        "{:?}",
        arabic.reasons
    );
    // A real sentence in another language is still told.
    let english = app
        .route(
            "email",
            "Good morning, I would like to know how to renew my identity card, thank you",
        )
        .await;
    assert_eq!(english.language, "en", "{:?}", english.reasons);
}

#[tokio::test]
async fn evidence_quotes_words_that_carry_meaning_and_no_names() {
    let app = spawn_app_with(|s| s.store.text = StoredText::Redacted).await;
    let text = "Buongiorno, sono Mario Esposito e abito in via Verdi 3: ho ricevuto un avviso \
                TARI sbagliato, la signora Rossi dell'ufficio mi ha detto di scrivervi il 12/03/2026";
    let d = app.route("email", text).await;
    let reason = &d.reasons[0];
    for banned in [
        "«Mario»",
        "«Esposito»",
        "«Verdi»",
        "«via»",
        "«Rossi»",
        "«signora»",
        "«la»",
        "«un»",
        "«il»",
        "«di»",
        "«<",
        "«3»",
    ] {
        assert!(!reason.contains(banned), "{banned} in {reason}");
    }
    assert!(reason.contains('«'), "still quotes its evidence: {reason}");
    let stored = app.stored(d.decision_id).await;
    let text = stored.record.text.unwrap();
    for name in ["Mario", "Esposito", "Verdi", "Rossi"] {
        assert!(!text.contains(name), "{name} stored: {text}");
    }
    assert!(
        text.contains("[NAME]") && text.contains("[ADDRESS]"),
        "{text}"
    );
    assert!(!stored.record.decision_json.contains("Esposito"));
}
