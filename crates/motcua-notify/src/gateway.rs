//! Where messages go: an SMS gateway over HTTP (eSMS, Viettel's SOAP service, or a generic one
//! configured by URL and body template) and e-mail over SMTP. Each answer is classified:
//! delivered, or a temporary failure (retried later), or a permanent one (not retried).

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use motcua_store::Delivery;

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the gateway is down, busy or slow.
    #[error("tạm thời: {0}")]
    Temporary(String),
    /// Trying again will not help: a wrong number, a rejected account, a refused template.
    #[error("không gửi được: {0}")]
    Permanent(String),
}

/// A way to deliver messages of one channel (`sms` or `email`).
#[async_trait]
pub trait Channel: Send + Sync + std::fmt::Debug {
    /// What the gateway answered, for the log, when it accepted the message.
    async fn send(&self, delivery: &Delivery) -> Result<String, SendError>;
}

/// Installs the TLS crypto provider (ring) once; gateways and SMTP use it.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn client(timeout: Duration) -> Result<reqwest::Client, SendError> {
    init_tls();
    reqwest::Client::builder().timeout(timeout).build().map_err(|e| SendError::Temporary(format!("HTTP client: {e}")))
}

fn classify(status: reqwest::StatusCode, body: &str) -> Result<String, SendError> {
    let answer = format!("HTTP {}: {}", status.as_u16(), body.chars().take(300).collect::<String>());
    if status.is_success() {
        Ok(answer)
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(SendError::Temporary(answer))
    } else {
        Err(SendError::Permanent(answer))
    }
}

fn transport_error(e: reqwest::Error) -> SendError {
    SendError::Temporary(format!("không kết nối được cổng tin nhắn: {e}"))
}

/// A generic HTTP SMS gateway, configured by a method, a URL and a body template. In the body,
/// `{to}`, `{text}` and `{key}` (the idempotency key) are replaced by JSON strings' contents; in
/// the URL, by URL-encoded values (for gateways that take a GET with a query string). The key also
/// goes in an `Idempotency-Key` header. 2xx is delivered; 408, 429 and 5xx are temporary; other
/// answers are permanent.
#[derive(Debug, Clone)]
pub struct HttpSms {
    pub method: reqwest::Method,
    pub url: String,
    pub body_template: String,
    client: reqwest::Client,
}

fn json_inner(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_owned()
}

fn url_encoded(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(s, COMPONENT).to_string()
}

impl HttpSms {
    /// `method`: GET, POST, PUT or PATCH; GET sends no body.
    pub fn new(method: &str, url: &str, body_template: &str, timeout: Duration) -> Result<HttpSms, SendError> {
        let method = match method.to_ascii_uppercase().as_str() {
            "GET" => reqwest::Method::GET,
            "" | "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            "PATCH" => reqwest::Method::PATCH,
            other => {
                return Err(SendError::Permanent(format!(
                    "phương thức HTTP \"{other}\": dùng GET, POST, PUT hoặc PATCH"
                )));
            }
        };
        Ok(HttpSms { method, url: url.to_owned(), body_template: body_template.to_owned(), client: client(timeout)? })
    }
}

#[async_trait]
impl Channel for HttpSms {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let fill = |template: &str, encode: fn(&str) -> String| {
            template
                .replace("{to}", &encode(&d.recipient))
                .replace("{text}", &encode(&d.body))
                .replace("{key}", &encode(&d.idempotency_key))
        };
        let mut request = self
            .client
            .request(self.method.clone(), fill(&self.url, url_encoded))
            .header("idempotency-key", &d.idempotency_key);
        if self.method != reqwest::Method::GET {
            request = request.header("content-type", "application/json").body(fill(&self.body_template, json_inner));
        }
        let res = request.send().await.map_err(transport_error)?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        classify(status, &text)
    }
}

/// eSMS.vn's REST API (SendMultipleMessage_V4), customer-care SMS (SmsType 2) with the brandname;
/// the idempotency key is the RequestId. CodeResult 100 is accepted, 124 (duplicate RequestId)
/// means it was already accepted; 101, 104 and 146 are permanent; anything else is retried.
#[derive(Debug, Clone)]
pub struct Esms {
    pub url: String,
    /// Secrets: redacted in debug output, zeroed when dropped.
    pub api_key: SecretString,
    pub secret_key: SecretString,
    pub brandname: String,
    client: reqwest::Client,
}

impl Esms {
    pub const URL: &'static str = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/";

    pub fn new(
        url: &str,
        api_key: &str,
        secret_key: &str,
        brandname: &str,
        timeout: Duration,
    ) -> Result<Esms, SendError> {
        Ok(Esms {
            url: url.to_owned(),
            api_key: api_key.into(),
            secret_key: secret_key.into(),
            brandname: brandname.to_owned(),
            client: client(timeout)?,
        })
    }
}

#[async_trait]
impl Channel for Esms {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let unicode = motcua_app::sms::segments(&d.body).encoding == motcua_app::sms::Encoding::Ucs2;
        let body = serde_json::json!({
            "ApiKey": self.api_key.expose_secret(),
            "SecretKey": self.secret_key.expose_secret(),
            "Phone": d.recipient,
            "Content": d.body,
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": if unicode { "1" } else { "0" },
            "RequestId": d.idempotency_key,
        });
        let res = self.client.post(&self.url).json(&body).send().await.map_err(transport_error)?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if !status.is_success() {
            return classify(status, &text);
        }
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let code = answer["CodeResult"].as_str().map(str::to_owned).unwrap_or_else(|| answer["CodeResult"].to_string());
        let said = format!("eSMS CodeResult {code}: {}", text.chars().take(300).collect::<String>());
        match code.as_str() {
            "100" | "124" => Ok(said),
            "101" | "104" | "146" => Err(SendError::Permanent(said)),
            _ => Err(SendError::Temporary(said)),
        }
    }
}

/// Viettel's brandname SMS web service (SOAP "CcApi", operation `wsCpMt`, namespace
/// `http://impl.bulkSms.ws/`). The receiver is written with the country code (84…); the answer's
/// `<result>1</result>` means accepted ("Insert MT_QUEUE: OK"). Viettel publishes no idempotency
/// key for `wsCpMt`: RequestID is sent as "1" as its samples do, so a resend after a crash may be
/// a second SMS (documented in `docs/notifications.md`). An answer of 0 whose message names the
/// account, the brandname or the receiver is permanent; other failures are retried.
#[derive(Debug, Clone)]
pub struct Viettel {
    pub url: String,
    pub user: String,
    pub password: SecretString,
    pub cp_code: String,
    /// The registered brandname (ServiceID).
    pub brandname: String,
    client: reqwest::Client,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The text of the first element named `name` (its local name: `<ns2:result>` counts), entities
/// resolved; `None` if there is none or the XML breaks off before its end.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if text.is_none() && e.local_name().as_ref() == name => text = Some(String::new()),
            Event::Text(t) => {
                if let Some(s) = text.as_mut() {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(s) = text.as_mut() {
                    match r.resolve_char_ref().ok()? {
                        Some(c) => s.push(c),
                        None => s.push_str(&quick_xml::escape::unescape(&format!("&{};", &*r)).ok()?),
                    }
                }
            }
            Event::CData(c) => {
                if let Some(s) = text.as_mut() {
                    s.push_str(&c.xml10_content());
                }
            }
            Event::End(e) if text.is_some() && e.local_name().as_ref() == name => return text,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// `0905123456` → `84905123456`.
fn international(phone: &str) -> String {
    match phone.strip_prefix('0') {
        Some(rest) => format!("84{rest}"),
        None => phone.to_owned(),
    }
}

impl Viettel {
    pub fn new(
        url: &str,
        user: &str,
        password: &str,
        cp_code: &str,
        brandname: &str,
        timeout: Duration,
    ) -> Result<Viettel, SendError> {
        Ok(Viettel {
            url: url.to_owned(),
            user: user.to_owned(),
            password: password.into(),
            cp_code: cp_code.to_owned(),
            brandname: brandname.to_owned(),
            client: client(timeout)?,
        })
    }

    /// The SOAP request of one message.
    pub fn envelope(&self, d: &Delivery) -> String {
        let unicode = motcua_app::sms::segments(&d.body).encoding == motcua_app::sms::Encoding::Ucs2;
        let to = xml_escape(&international(&d.recipient));
        format!(
            concat!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" ",
                "xmlns:impl=\"http://impl.bulkSms.ws/\"><soapenv:Header/><soapenv:Body><impl:wsCpMt>",
                "<User>{}</User><Password>{}</Password><CPCode>{}</CPCode><RequestID>1</RequestID>",
                "<UserID>{}</UserID><ReceiverID>{}</ReceiverID><ServiceID>{}</ServiceID>",
                "<CommandCode>bulksms</CommandCode><Content>{}</Content><ContentType>{}</ContentType>",
                "</impl:wsCpMt></soapenv:Body></soapenv:Envelope>"
            ),
            xml_escape(&self.user),
            xml_escape(self.password.expose_secret()),
            xml_escape(&self.cp_code),
            to,
            to,
            xml_escape(&self.brandname),
            xml_escape(&d.body),
            if unicode { "1" } else { "0" },
        )
    }
}

#[async_trait]
impl Channel for Viettel {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let res = self
            .client
            .post(&self.url)
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(self.envelope(d))
            .send()
            .await
            .map_err(transport_error)?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if !status.is_success() {
            return classify(status, &text);
        }
        let result = xml_element(&text, "result").unwrap_or_default();
        let result = result.trim();
        let message = xml_element(&text, "message").unwrap_or_default().trim().to_owned();
        let said = format!("Viettel result {result}: {message}");
        if result == "1" {
            return Ok(said);
        }
        let lower = message.to_lowercase();
        let permanent = ["authen", "password", "user", "cpcode", "serviceid", "brandname", "receiver", "invalid"];
        if !result.is_empty() && permanent.iter().any(|w| lower.contains(w)) {
            Err(SendError::Permanent(said))
        } else {
            Err(SendError::Temporary(said))
        }
    }
}

/// E-mail over SMTP (STARTTLS, TLS or plain for a local relay), text and HTML. The idempotency
/// key is the Message-ID, so a resent message is recognisable as the same one.
#[derive(Debug, Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    /// No encryption: only for a relay on the same machine.
    Plain,
}

impl Smtp {
    pub fn new(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
        from: &str,
    ) -> Result<Smtp, SendError> {
        init_tls();
        let builder = match security {
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
        }
        .map_err(|e| SendError::Permanent(format!("SMTP {host}: {e}")))?;
        let mut builder = builder.port(port).timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(user, password));
        }
        let from = from.parse().map_err(|e| SendError::Permanent(format!("địa chỉ gửi \"{from}\": {e}")))?;
        Ok(Smtp { transport: builder.build(), from })
    }
}

#[async_trait]
impl Channel for Smtp {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let to: Mailbox =
            d.recipient.parse().map_err(|e| SendError::Permanent(format!("địa chỉ \"{}\": {e}", d.recipient)))?;
        let text = d.body.clone();
        let html = d.body_html.clone().unwrap_or_else(|| text.clone());
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(d.subject.clone().unwrap_or_default())
            .message_id(Some(format!("<{}@motcua>", d.idempotency_key.replace(':', "."))))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| SendError::Permanent(format!("thư không hợp lệ: {e}")))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(format!("SMTP {}", response.code())),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(SendError::Temporary(format!("SMTP: {e}"))),
        }
    }
}
