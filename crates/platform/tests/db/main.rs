//! The platform database against real SQLite: every scenario runs twice, on an in-memory
//! database and on a temporary file (WAL, several connections).

mod access_requests;
mod api_tokens;
mod limits;
mod login_links;
mod members;
mod migrations;
mod oauth;
mod open;
mod read_cache;
mod sessions;
mod user_wikis;
mod users;
mod wikis;

use robot_platform::{Db, NewWiki, Slug, User, Wiki};

/// A database file in a temporary directory that lives as long as the value.
pub struct FileDb {
    pub db: Db,
    pub dir: tempfile::TempDir,
}

pub async fn file_db() -> FileDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&dir.path().join("robot.db"))
        .await
        .expect("open file db");
    FileDb { db, dir }
}

pub async fn memory_db() -> Db {
    Db::open_in_memory().await.expect("open in-memory db")
}

/// Turns each `async fn name(db: Db)` into a module `name` with two tests, `in_memory` and
/// `on_disk`.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn in_memory() {
                    super::$name($crate::memory_db().await).await;
                }

                #[tokio::test]
                async fn on_disk() {
                    let file = $crate::file_db().await;
                    super::$name(file.db.clone()).await;
                    drop(file);
                }
            }
        )*
    };
}

pub fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("valid slug")
}

pub async fn user(db: &Db, handle: &str) -> User {
    db.create_user(handle, &handle.to_uppercase())
        .await
        .expect("create user")
}

pub async fn wiki(db: &Db, name: &str, owner: &User) -> Wiki {
    db.create_wiki(NewWiki {
        slug: slug(name),
        display_name: format!("The {name} wiki"),
        description: String::new(),
        owner_id: owner.id,
    })
    .await
    .expect("create wiki")
}
