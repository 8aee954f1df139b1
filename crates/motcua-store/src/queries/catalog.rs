//! [`crate::CatalogStore`] on both backends: fields and procedure versions.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_catalog {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::CatalogStore for $store {
            async fn upsert_field(&self, agency_id: Uuid, f: &Field) -> crate::Result<()> {
                sqlx::query(
                    "insert into fields (agency_id, code, name) values ($1, $2, $3)
                     on conflict (agency_id, code) do update set name = excluded.name",
                )
                .bind(agency_id)
                .bind(&f.code)
                .bind(&f.name)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn fields(&self) -> crate::Result<Vec<Field>> {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("select distinct code, name from fields order by code").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(code, name)| Field { code, name }).collect())
            }

            async fn publish_procedure(
                &self,
                agency_id: Uuid,
                spec: &ProcedureSpec,
                field_name: &str,
                published_at: NaiveDateTime,
            ) -> crate::Result<ProcedureVersion> {
                let mut tx = self.pool.begin().await?;
                let existing: Option<(Uuid,)> =
                    sqlx::query_as("select id from procedures where agency_id = $1 and code = $2")
                        .bind(agency_id)
                        .bind(&spec.code)
                        .fetch_optional(&mut *tx)
                        .await?;
                let procedure_id = match existing {
                    Some((id,)) => id,
                    None => {
                        let id = Uuid::now_v7();
                        sqlx::query("insert into procedures (id, agency_id, code) values ($1, $2, $3)")
                            .bind(id)
                            .bind(agency_id)
                            .bind(&spec.code)
                            .execute(&mut *tx)
                            .await?;
                        id
                    }
                };
                let (last,): (Option<i64>,) =
                    sqlx::query_as("select max(version) from procedure_versions where procedure_id = $1")
                        .bind(procedure_id)
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query("update procedure_versions set is_current = false where procedure_id = $1")
                    .bind(procedure_id)
                    .execute(&mut *tx)
                    .await?;
                let id = Uuid::now_v7();
                let version = last.unwrap_or(0) + 1;
                sqlx::query(
                    "insert into procedure_versions
                       (id, agency_id, procedure_id, version, is_current, code, field, name_fold, search_text, spec, level, online,
                        effective_from, effective_to, created_at)
                     values ($1, $2, $3, $4, true, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(id)
                .bind(agency_id)
                .bind(procedure_id)
                .bind(version)
                .bind(&spec.code)
                .bind(&spec.field)
                .bind(fold(&spec.name))
                .bind(spec.search_text(field_name))
                .bind(serde_json::to_string(spec)?)
                .bind(serde_json::to_value(spec.level)?.as_str().unwrap_or_default().to_owned())
                .bind(serde_json::to_value(spec.online)?.as_str().unwrap_or_default().to_owned())
                .bind(spec.effective_from)
                .bind(spec.effective_to)
                .bind(published_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(ProcedureVersion { id, procedure_id, agency_id, version: version as i32, spec: spec.clone() })
            }

            async fn procedure(&self, code: &str) -> crate::Result<Option<ProcedureVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(
                    "select id, procedure_id, agency_id, version, spec from procedure_versions
                     where code = $1 and is_current = true order by created_at limit 1",
                )
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ProcedureVersion::try_from).transpose()
            }

            async fn procedure_at(&self, code: &str, day: chrono::NaiveDate) -> crate::Result<Option<ProcedureVersion>> {
                // One rule for the version in force; the agency's row comes along by its key.
                Ok(self.procedure_with_agency_at(code, day).await?.map(|(version, _, _)| version))
            }

            async fn procedure_with_agency_at(
                &self,
                code: &str,
                day: chrono::NaiveDate,
            ) -> crate::Result<Option<(ProcedureVersion, Agency, Option<String>)>> {
                let row: Option<VersionAgencyRow> = sqlx::query_as(
                    "select v.id, v.procedure_id, v.agency_id, v.version, v.spec, a.parent_id as agency_parent_id,
                       a.code as agency_code, a.name as agency_name, a.level as agency_level, a.calendar_toml
                     from procedure_versions v join agencies a on a.id = v.agency_id
                     where v.code = $1 and v.effective_from <= $2 order by v.version desc, v.created_at limit 1",
                )
                .bind(code)
                .bind(day)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let agency = agency_from((
                    row.version.agency_id,
                    row.agency_parent_id,
                    row.agency_code,
                    row.agency_name,
                    row.agency_level,
                ))?;
                let version = ProcedureVersion::try_from(row.version)?;
                // The newest version whose day has come, unless it has expired.
                Ok(version.spec.effective_to.is_none_or(|to| to >= day).then_some((version, agency, row.calendar_toml)))
            }

            async fn procedure_version(&self, id: Uuid) -> crate::Result<Option<ProcedureVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(
                    "select id, procedure_id, agency_id, version, spec from procedure_versions where id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ProcedureVersion::try_from).transpose()
            }

            async fn procedure_versions(&self, procedure_id: Uuid) -> crate::Result<Vec<ProcedureVersion>> {
                let rows: Vec<VersionRow> = sqlx::query_as(
                    "select id, procedure_id, agency_id, version, spec from procedure_versions
                     where procedure_id = $1 order by version",
                )
                .bind(procedure_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(ProcedureVersion::try_from).collect()
            }

            async fn procedure_history(
                &self,
                agency_id: Uuid,
            ) -> crate::Result<Vec<(ProcedureVersion, NaiveDateTime)>> {
                let rows: Vec<PublishedRow> = sqlx::query_as(
                    "select id, procedure_id, agency_id, version, spec, created_at from procedure_versions
                     where agency_id = $1 order by procedure_id, version",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(|r| Ok((ProcedureVersion::try_from(r.version)?, r.created_at))).collect()
            }

            async fn search_procedures(&self, q: &ProcedureQuery) -> crate::Result<crate::Page<ProcedureVersion>> {
                let folded = folded_search(q);
                let mut count = sqlx::QueryBuilder::new("select count(*) from procedure_versions pv");
                push_procedure_where!(count, q, &folded);
                let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
                let mut page =
                    sqlx::QueryBuilder::new("select pv.id, pv.procedure_id, pv.agency_id, pv.version, pv.spec from procedure_versions pv");
                push_procedure_where!(page, q, &folded);
                // Ranking: the whole phrase in the name, then every word in the name, then the rest.
                match &folded {
                    Some(text) => {
                        page.push(" order by case when pv.name_fold like ").push_bind(format!("%{text}%"));
                        page.push(" then 0 when ");
                        let mut words = page.separated(" and ");
                        for word in text.split(' ') {
                            words.push("pv.name_fold like ").push_bind_unseparated(format!("%{word}%"));
                        }
                        page.push(" then 1 else 2 end, pv.name_fold");
                    }
                    None => {
                        page.push(" order by pv.field, pv.name_fold");
                    }
                }
                push_page!(page, q.page, q.page_size);
                let rows: Vec<VersionRow> = page.build_query_as().fetch_all(&self.pool).await?;
                let items =
                    rows.into_iter().map(ProcedureVersion::try_from).collect::<Result<_, _>>()?;
                Ok(crate::Page { items, total })
            }

            async fn put_procedure_draft(
                &self,
                agency_id: Uuid,
                spec: &ProcedureSpec,
                source: &str,
                summary: &str,
                now: NaiveDateTime,
            ) -> crate::Result<Uuid> {
                let doc = serde_json::to_string(spec)?;
                let mut tx = self.pool.begin().await?;
                let replaced: Option<(Uuid,)> = sqlx::query_as(
                    "update procedure_drafts set spec = $1, source = $2, summary = $3, created_at = $4
                     where agency_id = $5 and code = $6 and status = 'pending' returning id",
                )
                .bind(&doc)
                .bind(source)
                .bind(summary)
                .bind(now)
                .bind(agency_id)
                .bind(&spec.code)
                .fetch_optional(&mut *tx)
                .await?;
                let id = match replaced {
                    Some((id,)) => id,
                    None => {
                        let id = Uuid::now_v7();
                        sqlx::query(
                            "insert into procedure_drafts (agency_id, id, code, spec, source, summary, status, created_at)
                             values ($1, $2, $3, $4, $5, $6, 'pending', $7)",
                        )
                        .bind(agency_id)
                        .bind(id)
                        .bind(&spec.code)
                        .bind(&doc)
                        .bind(source)
                        .bind(summary)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        id
                    }
                };
                tx.commit().await?;
                Ok(id)
            }

            async fn procedure_draft_of(
                &self,
                agency_id: Uuid,
                code: &str,
            ) -> crate::Result<Option<crate::ProcedureDraft>> {
                let row: Option<DraftRow> = sqlx::query_as(concat!(
                    "select ",
                    draft_fields!(),
                    " from procedure_drafts where agency_id = $1 and code = $2 and status = 'pending'"
                ))
                .bind(agency_id)
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                row.map(draft_from).transpose()
            }

            async fn procedure_draft(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<crate::ProcedureDraft>> {
                let row: Option<DraftRow> =
                    sqlx::query_as(concat!("select ", draft_fields!(), " from procedure_drafts where agency_id = $1 and id = $2"))
                        .bind(agency_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(draft_from).transpose()
            }

            async fn procedure_drafts(&self, agency_id: Uuid) -> crate::Result<Vec<crate::ProcedureDraft>> {
                let rows: Vec<DraftRow> = sqlx::query_as(concat!(
                    "select ",
                    draft_fields!(),
                    " from procedure_drafts where agency_id = $1 and status = 'pending' order by code"
                ))
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(draft_from).collect()
            }

            async fn close_procedure_draft(
                &self,
                agency_id: Uuid,
                id: Uuid,
                status: &str,
                user: Uuid,
                now: NaiveDateTime,
            ) -> crate::Result<bool> {
                let done = sqlx::query(
                    "update procedure_drafts set status = $1, decided_at = $2, decided_by = $3
                     where agency_id = $4 and id = $5 and status = 'pending'",
                )
                .bind(status)
                .bind(now)
                .bind(user)
                .bind(agency_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

/// A draft's columns, in the order of [`DraftRow`].
macro_rules! draft_fields {
    () => {
        "agency_id, id, code, spec, source, summary, status, created_at"
    };
}

type DraftRow = (Uuid, Uuid, String, String, String, String, String, NaiveDateTime);

fn draft_from(r: DraftRow) -> crate::Result<crate::ProcedureDraft> {
    Ok(crate::ProcedureDraft {
        agency_id: r.0,
        id: r.1,
        code: r.2,
        spec: serde_json::from_str(&r.3)?,
        source: r.4,
        summary: r.5,
        status: r.6,
        created_at: r.7,
    })
}

impl_catalog!(SqliteStore);
impl_catalog!(PgStore);
