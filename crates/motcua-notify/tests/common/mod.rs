//! What the delivery tests share: each story runs on SQLite and on PostgreSQL.

/// Runs each story (an `async fn(TestDb)`) once per backend.
macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(motcua_store::testing::TestDb::sqlite().await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(motcua_store::testing::TestDb::postgres().await).await; } )*
        }
    };
}
