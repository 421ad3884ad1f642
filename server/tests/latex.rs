//! LaTeX through the real server and WebSocket: with `[features] latex`
//! a connection's `render_math` is answered on that connection only, in
//! order, as MathML or escaped source; off, or over its bounds, it is
//! refused with a reason, nothing is rendered and the chat goes on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::protocol::{ClientEvent, ErrorCode, MathSource, MAX_MATH_PER_REQUEST};
use loquat::{Chat, Loquat, Message};
use support::TestApp;

fn echo_app() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        chat.send(Message::assistant(format!("echo: {}", msg.content)))
            .await?;
        Ok(())
    })
}

fn formula(tex: &str, display: bool) -> MathSource {
    MathSource {
        tex: tex.to_string(),
        display,
    }
}

fn latex_on() -> Config {
    let mut config = Config::default();
    config.features.latex = true;
    config
}

#[tokio::test]
async fn formulas_come_back_to_the_asking_tab_in_order_and_safe() {
    let app = TestApp::start_with(echo_app(), latex_on()).await;
    let mut client = app.client().await;
    let asked = vec![
        formula("x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}", true),
        formula("e^{i\\pi} + 1 = 0", false),
        formula(
            "x</annotation></semantics></math><img src=x onerror=alert(1)>",
            false,
        ),
        formula("\\frac{1}{", false),
    ];
    client
        .send(&ClientEvent::RenderMath {
            formulas: asked.clone(),
        })
        .await;
    client.wait_for(|c| c.math.len() == asked.len()).await;

    for (rendered, asked) in client.math.iter().zip(&asked) {
        assert_eq!(
            (&rendered.tex, rendered.display),
            (&asked.tex, asked.display)
        );
    }
    let html: Vec<&str> = client.math.iter().map(|m| m.html.as_str()).collect();
    assert!(
        html[0].starts_with("<span class=\"math math-display\"><math"),
        "{}",
        html[0]
    );
    assert!(
        html[0].contains("<mfrac>") && html[0].contains("<msqrt>"),
        "{}",
        html[0]
    );
    assert!(
        html[1].starts_with("<span class=\"math math-inline\"><math"),
        "{}",
        html[1]
    );
    assert!(
        !html[2].contains("<img"),
        "markup never gets through: {}",
        html[2]
    );
    assert!(html[3].contains("math-error"), "{}", html[3]);
    // Not part of the session: the client checks it came unsequenced.
    assert!(client.errors.is_empty(), "{:?}", client.errors);
}

#[tokio::test]
async fn refused_when_latex_is_off_or_over_its_bounds_and_the_chat_goes_on() {
    // Off: the default.
    let app = TestApp::start(echo_app()).await;
    let mut client = app.client().await;
    client
        .send(&ClientEvent::RenderMath {
            formulas: vec![formula("x^2", false)],
        })
        .await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), [ErrorCode::FeatureDisabled]);
    client.say("still here").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output.contains("still here")))
        .await;
    assert!(client.math.is_empty());

    // On, but too many formulas, or one too long: refused whole.
    let app = TestApp::start_with(echo_app(), latex_on()).await;
    let mut client = app.client().await;
    let many = vec![formula("x", false); MAX_MATH_PER_REQUEST + 1];
    client
        .send(&ClientEvent::RenderMath { formulas: many })
        .await;
    let long = formula(&"x".repeat(loquat::protocol::MAX_MATH_TEX_BYTES + 1), false);
    client
        .send(&ClientEvent::RenderMath {
            formulas: vec![formula("y", false), long],
        })
        .await;
    client.wait_for(|c| c.errors.len() == 2).await;
    assert_eq!(
        client.error_codes(),
        [ErrorCode::MalformedFrame, ErrorCode::MalformedFrame]
    );
    client
        .send(&ClientEvent::RenderMath {
            formulas: vec![formula("z^2", false)],
        })
        .await;
    client.wait_for(|c| !c.math.is_empty()).await;
    assert_eq!(client.math.len(), 1, "nothing of the refused requests");
    assert_eq!(client.math[0].tex, "z^2");
}
