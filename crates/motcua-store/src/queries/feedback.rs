//! [`crate::FeedbackStore`] on both backends: feedback cases, their events, and the outbox rows
//! that tell the sender, written together.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

use motcua_domain::feedback::{Case, CaseChange};

/// The outbox kind of a message to a feedback case's sender.
pub const FEEDBACK_OUTBOX: &str = "feedback";

/// What the public search matches: title, content and answer, folded.
fn search_text(c: &Case) -> String {
    fold(&format!("{} {} {}", c.title, c.content, c.answer.as_deref().unwrap_or("")))
}

/// The outbox payload of a change that tells the sender: where to, and what.
fn outbox_payload(change: &CaseChange) -> Option<String> {
    let notice = change.notice.as_ref()?;
    let s = &change.case.sender;
    Some(
        serde_json::json!({
            "case_id": change.case.id,
            "agency_id": change.case.agency_id,
            "label": change.case.label(),
            "phone": s.phone.as_str(),
            "mobile": s.phone.is_mobile(),
            "email": s.email.as_ref().map(|e| e.as_str()),
            "text": notice,
            "action": change.action,
        })
        .to_string(),
    )
}

/// Writes a change's event and, when the sender is told, its outbox row, in transaction `$tx`.
macro_rules! write_feedback_event {
    ($tx:expr, $change:expr) => {{
        let change: &CaseChange = $change;
        let c = &change.case;
        let event_id = Uuid::now_v7();
        sqlx::query(
            "insert into feedback_events (agency_id, id, case_id, action, from_state, to_state, actor_id, at, detail)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.agency_id)
        .bind(event_id)
        .bind(c.id)
        .bind(change.action)
        .bind(change.from.map(|s| s.as_str()))
        .bind(change.to.as_str())
        .bind(change.actor_id)
        .bind(change.at)
        .bind(change.detail.to_string())
        .execute(&mut *$tx)
        .await?;
        if let Some(payload) = outbox_payload(change) {
            sqlx::query(
                "insert into outbox (id, agency_id, dossier_id, event_id, kind, payload, created_at)
                 values ($1, $2, null, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(c.agency_id)
            .bind(event_id)
            .bind(FEEDBACK_OUTBOX)
            .bind(payload)
            .bind(change.at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

macro_rules! impl_feedback {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::FeedbackStore for $store {
            async fn insert_feedback(&self, change: &CaseChange) -> crate::Result<()> {
                let c = &change.case;
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "insert into feedback_cases (agency_id, id, year, number, kind, state, intake, procedure_code,
                       received_at, answer_by, published_at, finished_at, search, doc, version, updated_at,
                       dossier_id, officer_id)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                )
                .bind(c.agency_id)
                .bind(c.id)
                .bind(c.year)
                .bind(i64::from(c.number))
                .bind(c.kind.map(|k| k.as_str()))
                .bind(c.state.as_str())
                .bind(c.intake.as_str())
                .bind(c.procedure_code.clone())
                .bind(c.received_at)
                .bind(c.answer_by)
                .bind(c.published_at)
                .bind(c.finished_at)
                .bind(search_text(c))
                .bind(serde_json::to_string(c)?)
                .bind(c.version)
                .bind(change.at)
                .bind(c.dossier_id)
                .bind(c.officer_id)
                .execute(&mut *tx)
                .await?;
                if let Some(call) = c.call_id {
                    // The call becomes this case once: a second case from the same call is refused.
                    let linked = sqlx::query(
                        "update hotline_calls set case_id = $1 where agency_id = $2 and id = $3 and case_id is null",
                    )
                    .bind(c.id)
                    .bind(c.agency_id)
                    .bind(call)
                    .execute(&mut *tx)
                    .await?;
                    if linked.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Err(StoreError::Conflict);
                    }
                }
                write_feedback_event!(tx, change);
                tx.commit().await?;
                Ok(())
            }

            async fn update_feedback(&self, expected_version: i64, change: &CaseChange) -> crate::Result<()> {
                let c = &change.case;
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "update feedback_cases set kind = $1, state = $2, procedure_code = $3, answer_by = $4,
                       published_at = $5, finished_at = $6, search = $7, doc = $8, version = $9, updated_at = $10,
                       dossier_id = $14, officer_id = $15
                     where agency_id = $11 and id = $12 and version = $13",
                )
                .bind(c.kind.map(|k| k.as_str()))
                .bind(c.state.as_str())
                .bind(c.procedure_code.clone())
                .bind(c.answer_by)
                .bind(c.published_at)
                .bind(c.finished_at)
                .bind(search_text(c))
                .bind(serde_json::to_string(c)?)
                .bind(c.version)
                .bind(change.at)
                .bind(c.agency_id)
                .bind(c.id)
                .bind(expected_version)
                .bind(c.dossier_id)
                .bind(c.officer_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict);
                }
                write_feedback_event!(tx, change);
                tx.commit().await?;
                Ok(())
            }

            async fn feedback_case(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<Case>> {
                let row: Option<(String,)> =
                    sqlx::query_as("select doc from feedback_cases where agency_id = $1 and id = $2")
                        .bind(agency_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(doc,)| Ok(serde_json::from_str(&doc)?)).transpose()
            }

            async fn feedback_cases(&self, f: &crate::FeedbackFilter) -> crate::Result<crate::Page<Case>> {
                let build = |select: &str| {
                    let mut qb = sqlx::QueryBuilder::new(select);
                    qb.push(" from feedback_cases where ");
                    push_in!(qb, "agency_id", f.agencies.iter().copied());
                    if !f.states.is_empty() {
                        qb.push(" and ");
                        push_in!(qb, "state", f.states.iter().cloned());
                    }
                    if let Some(kind) = &f.kind {
                        qb.push(" and kind = ").push_bind(kind.clone());
                    }
                    if let Some((from, to)) = f.received {
                        qb.push(" and received_at >= ").push_bind(from).push(" and received_at < ").push_bind(to);
                    }
                    if let Some(day) = f.due_before {
                        qb.push(" and finished_at is null and answer_by < ").push_bind(day);
                    }
                    qb
                };
                let (total,): (i64,) = build("select count(*)").build_query_as().fetch_one(&self.pool).await?;
                let mut page = build("select doc");
                page.push(" order by answer_by, received_at");
                push_page!(page, f.page, f.page_size);
                let rows: Vec<(String,)> = page.build_query_as().fetch_all(&self.pool).await?;
                let items = rows.into_iter().map(|(d,)| serde_json::from_str(&d)).collect::<Result<_, _>>()?;
                Ok(crate::Page { items, total })
            }

            async fn feedback_events(&self, agency_id: Uuid, case_id: Uuid) -> crate::Result<Vec<crate::FeedbackEvent>> {
                Ok(sqlx::query_as(
                    "select id, case_id, action, from_state, to_state, actor_id, at, detail from feedback_events
                     where agency_id = $1 and case_id = $2 order by at, id",
                )
                .bind(agency_id)
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn published_answers(&self, q: &crate::AnswerQuery) -> crate::Result<crate::Page<Case>> {
                let words: Vec<String> = q
                    .q
                    .as_deref()
                    .map(|t| fold(&t.chars().take(motcua_domain::text::SEARCH_MAX_CHARS).collect::<String>()))
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .take(motcua_domain::text::SEARCH_MAX_WORDS)
                    .map(str::to_owned)
                    .collect();
                let build = |select: &str| {
                    let mut qb = sqlx::QueryBuilder::new(select);
                    qb.push(" from feedback_cases where published_at is not null and state in ('published', 'closed')");
                    qb.push(" and kind in ('regulation', 'conduct', 'question')");
                    if !q.kinds.is_empty() {
                        qb.push(" and ");
                        push_in!(qb, "kind", q.kinds.iter().cloned());
                    }
                    if let Some(code) = &q.procedure_code {
                        qb.push(" and procedure_code = ").push_bind(code.clone());
                    }
                    match &q.procedure_codes {
                        Some(codes) if codes.is_empty() => {
                            qb.push(" and 1 = 0");
                        }
                        Some(codes) => {
                            qb.push(" and ");
                            push_in!(qb, "procedure_code", codes.iter().cloned());
                        }
                        None => {}
                    }
                    for w in &words {
                        qb.push(" and search like ").push_bind(format!("%{}%", w.replace(['%', '_'], "")));
                    }
                    qb
                };
                let (total,): (i64,) = build("select count(*)").build_query_as().fetch_one(&self.pool).await?;
                let mut page = build("select doc");
                page.push(" order by published_at desc");
                push_page!(page, q.page, q.page_size);
                let rows: Vec<(String,)> = page.build_query_as().fetch_all(&self.pool).await?;
                let items = rows.into_iter().map(|(d,)| serde_json::from_str(&d)).collect::<Result<_, _>>()?;
                Ok(crate::Page { items, total })
            }

            async fn rate_answer(&self, agency_id: Uuid, id: Uuid, useful: bool) -> crate::Result<Option<Case>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(String,)> =
                    sqlx::query_as("select doc from feedback_cases where agency_id = $1 and id = $2")
                        .bind(agency_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((doc,)) = row else { return Ok(None) };
                let case: Case = serde_json::from_str(&doc)?;
                let Ok(rated) = case.rate(useful) else { return Ok(None) };
                sqlx::query("update feedback_cases set doc = $1 where agency_id = $2 and id = $3")
                    .bind(serde_json::to_string(&rated)?)
                    .bind(agency_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(rated))
            }

            async fn insert_hotline_call(&self, c: &crate::HotlineCall) -> crate::Result<()> {
                sqlx::query(
                    "insert into hotline_calls (agency_id, id, hotline, started_at, minutes, officer_id, caller_name,
                       caller_phone, topic, procedure_code, summary, confirmed, case_id)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(c.agency_id)
                .bind(c.id)
                .bind(&c.hotline)
                .bind(c.started_at)
                .bind(c.minutes)
                .bind(c.officer_id)
                .bind(&c.caller_name)
                .bind(&c.caller_phone)
                .bind(&c.topic)
                .bind(&c.procedure_code)
                .bind(&c.summary)
                .bind(c.confirmed)
                .bind(c.case_id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn hotline_calls(
                &self,
                agency_id: Uuid,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> crate::Result<Vec<crate::HotlineCall>> {
                Ok(sqlx::query_as(
                    "select agency_id, id, hotline, started_at, minutes, officer_id, caller_name, caller_phone, topic,
                       procedure_code, summary, confirmed, case_id
                     from hotline_calls where agency_id = $1 and started_at >= $2 and started_at < $3
                     order by started_at desc",
                )
                .bind(agency_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn hotline_call(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<crate::HotlineCall>> {
                Ok(sqlx::query_as(
                    "select agency_id, id, hotline, started_at, minutes, officer_id, caller_name, caller_phone, topic,
                       procedure_code, summary, confirmed, case_id
                     from hotline_calls where agency_id = $1 and id = $2",
                )
                .bind(agency_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn check_in(&self, agency_id: Uuid, officer_id: Uuid, at: NaiveDateTime) -> crate::Result<bool> {
                let done = sqlx::query(
                    "insert into counter_attendance (agency_id, officer_id, day, check_in) values ($1, $2, $3, $4)
                     on conflict do nothing",
                )
                .bind(agency_id)
                .bind(officer_id)
                .bind(at.date())
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn check_out(&self, agency_id: Uuid, officer_id: Uuid, at: NaiveDateTime) -> crate::Result<bool> {
                let done = sqlx::query(
                    "update counter_attendance set check_out = $1
                     where agency_id = $2 and officer_id = $3 and day = $4 and check_out is null",
                )
                .bind(at)
                .bind(agency_id)
                .bind(officer_id)
                .bind(at.date())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn attendance(
                &self,
                agency_id: Uuid,
                from: NaiveDate,
                to: NaiveDate,
            ) -> crate::Result<Vec<crate::Attendance>> {
                Ok(sqlx::query_as(
                    "select officer_id, day, check_in, check_out from counter_attendance
                     where agency_id = $1 and day >= $2 and day < $3 order by day, officer_id",
                )
                .bind(agency_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn insert_spot_check(&self, c: &crate::SpotCheck) -> crate::Result<()> {
                sqlx::query(
                    "insert into spot_checks (agency_id, id, at, inspector_id, officer_id, present, note)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.agency_id)
                .bind(c.id)
                .bind(c.at)
                .bind(c.inspector_id)
                .bind(c.officer_id)
                .bind(c.present)
                .bind(&c.note)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn spot_checks(
                &self,
                agency_id: Uuid,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> crate::Result<Vec<crate::SpotCheck>> {
                Ok(sqlx::query_as(
                    "select agency_id, id, at, inspector_id, officer_id, present, note from spot_checks
                     where agency_id = $1 and at >= $2 and at < $3 order by at",
                )
                .bind(agency_id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn pakn_dossiers(&self, agencies: &[Uuid]) -> crate::Result<Vec<Uuid>> {
                let mut args = Vec::new();
                let agency = agencies_in(agencies, &mut args);
                let sql = format!(
                    "select distinct dossier_id from feedback_cases
                     where {agency} and dossier_id is not null and kind in ('regulation', 'conduct')"
                );
                let rows: Vec<(Uuid,)> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn published_case(&self, id: Uuid) -> crate::Result<Option<Case>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "select doc from feedback_cases where id = $1 and published_at is not null
                       and kind in ('regulation', 'conduct', 'question')",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(doc,)| Ok(serde_json::from_str(&doc)?)).transpose()
            }
        }
    };
}

impl_feedback!(SqliteStore);
impl_feedback!(PgStore);
