//! [`crate::OrgStore`] on both backends: agencies, units, users, grants.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_org {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::OrgStore for $store {
            async fn insert_agency(&self, a: &Agency, calendar_toml: Option<&str>) -> crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "insert into agencies (id, agency_id, parent_id, code, name, level, calendar_toml)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a.id)
                .bind(a.id)
                .bind(a.parent_id)
                .bind(a.code.as_str())
                .bind(&a.name)
                .bind(level_str(a.level))
                .bind(calendar_toml)
                .execute(&mut *tx)
                .await?;
                // A new agency has no dossiers from before their facts were kept: the start-up's
                // back-fill has nothing to look for (at 1M dossiers loaded after, it scanned them
                // all once, 3 s).
                sqlx::query("insert into job_runs (job, agency_id, run_key, done_at) values ($1, $2, $3, $4)")
                    .bind(crate::migrate::FACTS_BACKFILL_JOB)
                    .bind(a.id)
                    .bind(crate::migrate::FACTS_BACKFILL_KEY)
                    .bind(crate::now_local())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn agencies(&self) -> crate::Result<Vec<Agency>> {
                let rows: Vec<(Uuid, Option<Uuid>, String, String, String)> =
                    sqlx::query_as("select id, parent_id, code, name, level from agencies order by code")
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter().map(agency_from).collect()
            }

            async fn agency(&self, id: Uuid) -> crate::Result<Option<Agency>> {
                let row: Option<(Uuid, Option<Uuid>, String, String, String)> =
                    sqlx::query_as("select id, parent_id, code, name, level from agencies where id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(agency_from).transpose()
            }

            async fn agency_by_code(&self, code: &str) -> crate::Result<Option<Agency>> {
                let row: Option<(Uuid, Option<Uuid>, String, String, String)> =
                    sqlx::query_as("select id, parent_id, code, name, level from agencies where code = $1")
                        .bind(code.to_ascii_uppercase())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(agency_from).transpose()
            }

            async fn agency_with_calendar(&self, id: Uuid) -> crate::Result<Option<(Agency, Option<String>)>> {
                let row: Option<(Uuid, Option<Uuid>, String, String, String, Option<String>)> =
                    sqlx::query_as("select id, parent_id, code, name, level, calendar_toml from agencies where id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((id, parent, code, name, level, calendar)) = row else { return Ok(None) };
                Ok(Some((agency_from((id, parent, code, name, level))?, calendar)))
            }

            async fn agency_calendar(&self, id: Uuid) -> crate::Result<Option<String>> {
                let row: Option<(Option<String>,)> = sqlx::query_as("select calendar_toml from agencies where id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.and_then(|r| r.0))
            }

            async fn insert_unit(&self, u: &Unit) -> crate::Result<()> {
                sqlx::query("insert into units (id, agency_id, code, name) values ($1, $2, $3, $4)")
                    .bind(u.id)
                    .bind(u.agency_id)
                    .bind(&u.code)
                    .bind(&u.name)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn units(&self, agency_id: Uuid) -> crate::Result<Vec<Unit>> {
                let rows: Vec<(Uuid, Uuid, String, String)> =
                    sqlx::query_as("select id, agency_id, code, name from units where agency_id = $1 order by code")
                        .bind(agency_id)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(id, agency_id, code, name)| Unit { id, agency_id, code, name }).collect())
            }

            async fn insert_user(&self, u: &crate::UserRecord) -> crate::Result<()> {
                sqlx::query(
                    "insert into users (id, agency_id, username, full_name, password_hash, citizen, phone, email, active)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.id)
                .bind(u.agency_id)
                .bind(&u.username)
                .bind(&u.full_name)
                .bind(&u.password_hash)
                .bind(u.citizen)
                .bind(&u.phone)
                .bind(&u.email)
                .bind(u.active)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn user(&self, id: Uuid) -> crate::Result<Option<crate::UserRecord>> {
                let row: Option<crate::UserRecord> = sqlx::query_as(concat!(user_columns!(), " where id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn user_by_username(&self, username: &str) -> crate::Result<Option<crate::UserRecord>> {
                let row: Option<crate::UserRecord> = sqlx::query_as(concat!(user_columns!(), " where username = $1"))
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn citizen_by_email(&self, email: &str) -> crate::Result<Option<crate::UserRecord>> {
                let row: Option<crate::UserRecord> = sqlx::query_as(concat!(user_columns!(), " where citizen = true and email = $1"))
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn insert_grant(&self, user_id: Uuid, g: &RoleGrant) -> crate::Result<()> {
                sqlx::query("insert into role_grants (id, agency_id, user_id, role, unit_code) values ($1, $2, $3, $4, $5)")
                    .bind(Uuid::now_v7())
                    .bind(g.agency_id)
                    .bind(user_id)
                    .bind(g.role.as_str())
                    .bind(&g.unit)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_grant(&self, user_id: Uuid, g: &RoleGrant) -> crate::Result<bool> {
                let mut q = sqlx::QueryBuilder::new("delete from role_grants where user_id = ");
                q.push_bind(user_id).push(" and agency_id = ").push_bind(g.agency_id);
                q.push(" and role = ").push_bind(g.role.as_str());
                match &g.unit {
                    Some(u) => q.push(" and unit_code = ").push_bind(u.clone()),
                    None => q.push(" and unit_code is null"),
                };
                Ok(q.build().execute(&self.pool).await?.rows_affected() > 0)
            }

            async fn set_user_contacts(
                &self,
                user_id: Uuid,
                full_name: &str,
                phone: Option<&str>,
                email: Option<&str>,
            ) -> crate::Result<()> {
                sqlx::query("update users set full_name = $1, phone = $2, email = $3 where id = $4")
                    .bind(full_name)
                    .bind(phone)
                    .bind(email)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn grants(&self, user_id: Uuid) -> crate::Result<Vec<RoleGrant>> {
                let rows: Vec<(String, Uuid, Option<String>)> =
                    sqlx::query_as("select role, agency_id, unit_code from role_grants where user_id = $1")
                        .bind(user_id)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map(|(role, agency_id, unit)| Ok(RoleGrant { role: parse_role(&role)?, agency_id, unit }))
                    .collect()
            }

            async fn users_of(&self, agency_id: Uuid) -> crate::Result<Vec<crate::UserRecord>> {
                let rows: Vec<crate::UserRecord> = sqlx::query_as(concat!(
                    user_columns!(),
                    " where id in (select user_id from role_grants where agency_id = $1) order by username"
                ))
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn set_user_active(&self, user_id: Uuid, active: bool) -> crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("update users set active = $1 where id = $2").bind(active).bind(user_id).execute(&mut *tx).await?;
                if !active {
                    sqlx::query("delete from web_sessions where user_id = $1").bind(user_id).execute(&mut *tx).await?;
                    revoke_all!(tx, user_id);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_password_hash(&self, user_id: Uuid, password_hash: &str) -> crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("update users set password_hash = $1 where id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("delete from web_sessions where user_id = $1").bind(user_id).execute(&mut *tx).await?;
                // A new password ends every way in the old one opened: sessions and API tokens.
                revoke_all!(tx, user_id);
                tx.commit().await?;
                Ok(())
            }

            async fn agency_settings(&self, agency_id: Uuid) -> crate::Result<Vec<(String, String)>> {
                Ok(sqlx::query_as("select key, value from agency_settings where agency_id = $1 order by key")
                    .bind(agency_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn setting_of_all(&self, key: &str) -> crate::Result<Vec<(Uuid, String)>> {
                Ok(sqlx::query_as("select agency_id, value from agency_settings where key = $1")
                    .bind(key)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn set_agency_setting(&self, agency_id: Uuid, key: &str, value: Option<&str>) -> crate::Result<()> {
                match value {
                    Some(value) => {
                        sqlx::query(
                            "insert into agency_settings (agency_id, key, value) values ($1, $2, $3)
                             on conflict (agency_id, key) do update set value = excluded.value",
                        )
                        .bind(agency_id)
                        .bind(key)
                        .bind(value)
                        .execute(&self.pool)
                        .await?;
                    }
                    None => {
                        sqlx::query("delete from agency_settings where agency_id = $1 and key = $2")
                            .bind(agency_id)
                            .bind(key)
                            .execute(&self.pool)
                            .await?;
                    }
                }
                Ok(())
            }

            async fn set_agency_calendar(&self, agency_id: Uuid, calendar_toml: Option<&str>) -> crate::Result<()> {
                sqlx::query("update agencies set calendar_toml = $1 where id = $2")
                    .bind(calendar_toml)
                    .bind(agency_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_org!(SqliteStore);
impl_org!(PgStore);
