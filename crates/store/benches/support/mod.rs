//! The wiki the store's benchmarks save into: 1,000 pages of a few hundred bytes in 100 folders,
//! with a quota set as the server sets one (large enough never to refuse).

use std::sync::Arc;

use robot_store::{Author, Quota, Store, WikiRepo};

/// The text every page carries.
pub fn paragraph() -> String {
    "A wiki page of a few hundred bytes, like the notes agents keep. ".repeat(8)
}

/// The benchmark's author.
pub fn author() -> Author {
    Author::new("Bench", "b@example.org")
}

/// Creates the wiki `bench` in `store`.
pub fn seeded_wiki(store: &Store) -> Result<Arc<WikiRepo>, robot_store::StoreError> {
    let paragraph = paragraph();
    let seed: Vec<(String, Vec<u8>)> = (0..1_000)
        .map(|i| {
            let path = format!("Folder {}/Page {i}.md", i % 100);
            (path, format!("# Page {i}\n\n{paragraph}\n").into_bytes())
        })
        .collect();
    let wiki = store.create_wiki("bench", &seed, &author(), "seed")?;
    wiki.set_quota(Some(Quota {
        max_bytes: 8 << 30,
        max_pages: 100_000,
    }));
    Ok(wiki)
}
