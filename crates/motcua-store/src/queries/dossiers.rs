//! [`crate::DossierStore`] on both backends: dossiers, events and outbox rows.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_dossiers {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::DossierStore for $store {
            async fn next_sequence(&self, agency_id: Uuid, day: NaiveDate) -> crate::Result<u32> {
                let (value,): (i64,) =
                    sqlx::query_as(NEXT_SEQUENCE).bind(agency_id).bind(day).fetch_one(&self.pool).await?;
                Ok(value as u32)
            }

            async fn next_number(&self, agency_id: Uuid, year: i32, kind: &str) -> crate::Result<u32> {
                let (value,): (i64,) = sqlx::query_as(NEXT_NUMBER)
                    .bind(agency_id)
                    .bind(year)
                    .bind(kind)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(value as u32)
            }

            async fn queue_portal_resync(
                &self,
                agency_id: Uuid,
                since: NaiveDateTime,
                now: NaiveDateTime,
            ) -> crate::Result<u64> {
                let ids: Vec<(Uuid,)> = sqlx::query_as(
                    "select id from dossiers where agency_id = $1 and code is not null and updated_at >= $2
                     order by updated_at, id",
                )
                .bind(agency_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                let mut tx = self.pool.begin().await?;
                for (id,) in &ids {
                    sqlx::query(
                        "insert into outbox (id, agency_id, dossier_id, event_id, kind, payload, created_at)
                         values ($1, $2, $3, null, 'portal_resync', '{}', $4)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(agency_id)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(ids.len() as u64)
            }

            async fn open_postal_dossier(&self, agency_id: Uuid, tracking_number: &str) -> crate::Result<Option<Uuid>> {
                // Tracking numbers are letters and digits (`dossier::tracking_number`), so the
                // pattern holds no wildcard; only the agency's open postal dossiers are read.
                let number = motcua_domain::dossier::tracking_number(tracking_number).unwrap_or_default();
                let pattern = format!("%\"postal\":{{\"handover_at\":%\"tracking_number\":\"{number}\"%");
                Ok(sqlx::query_scalar(
                    "select id from dossiers where agency_id = $1 and channel = 'postal'
                       and state not in ('returned', 'refused_at_intake', 'stopped') and doc like $2 limit 1",
                )
                .bind(agency_id)
                .bind(pattern)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn insert_dossier(&self, t: &motcua_domain::dossier::Transition) -> crate::Result<Uuid> {
                let mut tx = self.pool.begin().await?;
                let event_id = insert_dossier_rows!(tx, Self::batched().new_dossier.as_str(), t);
                tx.commit().await?;
                Ok(event_id)
            }

            async fn insert_numbered_dossier(
                &self,
                agency_id: Uuid,
                day: NaiveDate,
                make: &(
                     dyn Fn(u32, u32) -> Result<motcua_domain::dossier::Transition, motcua_domain::DomainError>
                        + Send
                        + Sync
                 ),
            ) -> crate::Result<Result<motcua_domain::dossier::Transition, motcua_domain::DomainError>> {
                let mut tx = self.pool.begin().await?;
                // The day's number is the transaction's first write, so SQLite takes its write lock
                // at once; the number is held (PostgreSQL: the row is locked) until the commit. It
                // and the receipt's number are one round trip.
                let numbers: Vec<(i64,)> = sqlx::query_as(Self::batched().numbers.as_str())
                    .bind(agency_id)
                    .bind(day)
                    .bind(agency_id)
                    .bind(chrono::Datelike::year(&day))
                    .bind(motcua_domain::dossier::FormKind::Receipt.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                let [(seq,), (line,)] = numbers[..] else {
                    return Err(StoreError::Corrupt(format!("two numbers expected, {} read", numbers.len())));
                };
                let t = match make(seq as u32, line as u32) {
                    Ok(t) => t,
                    // Dropping the transaction rolls the number back.
                    Err(refused) => return Ok(Err(refused)),
                };
                insert_dossier_rows!(tx, Self::batched().new_dossier.as_str(), &t);
                tx.commit().await?;
                Ok(Ok(t))
            }

            async fn update_dossier(
                &self,
                expected_version: i64,
                t: &motcua_domain::dossier::Transition,
            ) -> crate::Result<Uuid> {
                let d = &t.dossier;
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "update dossiers set code = $1, state = $2, current_unit = $3, assignee = $4, received_at = $5,
                       due_at = $6, finished_at = $7, version = $8, doc = $9, updated_at = $10
                     where agency_id = $11 and id = $12 and version = $13",
                )
                .bind(d.code.as_ref().map(|c| c.as_str().to_owned()))
                .bind(d.state.as_str())
                .bind(d.step().map(|s| s.unit.clone()))
                .bind(d.assignee)
                .bind(d.received_at)
                .bind(d.due_at)
                .bind(d.finished_at)
                .bind(d.version)
                .bind(serde_json::to_string(d)?)
                .bind(t.event.at)
                .bind(d.agency_id)
                .bind(d.id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict);
                }
                // The event, its outbox row and the facts: one more round trip.
                let event_id = Uuid::now_v7();
                let q = bind_event!(sqlx::query(Self::batched().change.as_str()), d, &t.event, event_id);
                bind_facts!(q, &d.facts(), d.procedure_version_id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(event_id)
            }

            async fn dossier(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<Dossier>> {
                let row: Option<(String,)> = sqlx::query_as("select doc from dossiers where agency_id = $1 and id = $2")
                    .bind(agency_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(doc,)| serde_json::from_str(&doc).map_err(StoreError::from)).transpose()
            }

            async fn citizen_dossier(&self, citizen_user_id: Uuid, id: Uuid) -> crate::Result<Option<Dossier>> {
                let row: Option<(String,)> =
                    sqlx::query_as("select doc from dossiers where citizen_user_id = $1 and id = $2")
                        .bind(citizen_user_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(doc,)| serde_json::from_str(&doc).map_err(StoreError::from)).transpose()
            }

            async fn dossiers_by_id(&self, agency_id: Uuid, ids: &[Uuid]) -> crate::Result<Vec<Dossier>> {
                let mut out = Vec::with_capacity(ids.len());
                // At most 500 placeholders a statement, well inside both backends' limits.
                for chunk in ids.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::new("select doc from dossiers where agency_id = ");
                    qb.push_bind(agency_id).push(" and ");
                    push_in!(qb, "id", chunk.iter().copied());
                    let rows: Vec<(String,)> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for (doc,) in rows {
                        out.push(serde_json::from_str(&doc)?);
                    }
                }
                Ok(out)
            }

            async fn events_by_id(&self, agency_id: Uuid, ids: &[Uuid]) -> crate::Result<Vec<crate::EventRecord>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::new(
                        "select id, dossier_id, kind, from_state, to_state, actor_id, at, data from dossier_events
                         where agency_id = ",
                    );
                    qb.push_bind(agency_id).push(" and ");
                    push_in!(qb, "id", chunk.iter().copied());
                    let rows: Vec<EventRow> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for row in rows {
                        out.push(row.try_into()?);
                    }
                }
                Ok(out)
            }

            async fn dossier_and_events_by_code(
                &self,
                agency_id: Uuid,
                code: &str,
            ) -> crate::Result<Option<(Dossier, Vec<crate::EventRecord>)>> {
                // One round trip: the document comes once per event row, and is parsed once.
                let rows: Vec<(
                    String,
                    Option<Uuid>,
                    Option<Uuid>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<Uuid>,
                    Option<NaiveDateTime>,
                    Option<String>,
                )> = sqlx::query_as(
                    "select d.doc, e.id, e.dossier_id, e.kind, e.from_state, e.to_state, e.actor_id, e.at, e.data
                         from dossiers d left join dossier_events e on e.agency_id = d.agency_id and e.dossier_id = d.id
                         where d.agency_id = $1 and d.code = $2 order by e.at, e.id",
                )
                .bind(agency_id)
                .bind(code.to_ascii_uppercase())
                .fetch_all(&self.pool)
                .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let dossier: Dossier = serde_json::from_str(&first.0)?;
                let mut events = Vec::with_capacity(rows.len());
                for (_, id, dossier_id, kind, from, to, actor_id, at, data) in rows {
                    let (Some(id), Some(dossier_id), Some(kind), Some(to), Some(at), Some(data)) =
                        (id, dossier_id, kind, to, at, data)
                    else {
                        continue;
                    };
                    events.push(event_record(id, dossier_id, kind, from, to, actor_id, at, data)?);
                }
                Ok(Some((dossier, events)))
            }

            async fn dossier_by_code(&self, agency_id: Uuid, code: &str) -> crate::Result<Option<Dossier>> {
                let row: Option<(String,)> = sqlx::query_as("select doc from dossiers where agency_id = $1 and code = $2")
                    .bind(agency_id)
                    .bind(code.to_ascii_uppercase())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(doc,)| serde_json::from_str(&doc).map_err(StoreError::from)).transpose()
            }

            async fn dossier_version_by_code(&self, agency_id: Uuid, code: &str) -> crate::Result<Option<i64>> {
                Ok(sqlx::query_scalar("select version from dossiers where agency_id = $1 and code = $2")
                    .bind(agency_id)
                    .bind(code.to_ascii_uppercase())
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn list_dossiers(&self, f: &DossierFilter) -> crate::Result<crate::Page<Dossier>> {
                let mut count = sqlx::QueryBuilder::new("select count(*) from dossiers");
                push_dossier_where!(count, f);
                let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
                let order = if f.newest_first {
                    "received_at desc, created_at desc"
                } else if f.overdue_at.is_some() || f.due_before.is_some() {
                    // Only unfinished dossiers: the order of the unit inbox index (ids are
                    // time-ordered, UUIDv7), so a page is read without sorting the whole list.
                    "due_at, id"
                } else {
                    "case when finished_at is null then 0 else 1 end, due_at, created_at"
                };
                let mut page = sqlx::QueryBuilder::new("select doc from dossiers");
                push_dossier_where!(page, f);
                page.push(" order by ").push(order);
                push_page!(page, f.page, f.page_size);
                let rows: Vec<(String,)> = page.build_query_as().fetch_all(&self.pool).await?;
                let items = rows.into_iter().map(|(doc,)| serde_json::from_str(&doc)).collect::<Result<_, _>>()?;
                Ok(crate::Page { items, total })
            }

            async fn events(&self, agency_id: Uuid, dossier_id: Uuid) -> crate::Result<Vec<crate::EventRecord>> {
                let rows: Vec<EventRow> = sqlx::query_as(
                    "select id, dossier_id, kind, from_state, to_state, actor_id, at, data from dossier_events
                     where agency_id = $1 and dossier_id = $2 order by at, id",
                )
                .bind(agency_id)
                .bind(dossier_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(crate::EventRecord::try_from).collect()
            }

            async fn outbox(&self, agency_id: Uuid, dossier_id: Uuid) -> crate::Result<Vec<crate::OutboxMessage>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(
                    "select id, dossier_id, event_id, kind, payload, created_at, done_at from outbox
                         where agency_id = $1 and dossier_id = $2 order by created_at, id",
                )
                .bind(agency_id)
                .bind(dossier_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(outbox_from).collect()
            }
        }
    };
}

impl_dossiers!(SqliteStore);
impl_dossiers!(PgStore);
