//! Template pages every new wiki starts with, written for this product.

/// (file name in the repository, template text).
const TEMPLATES: [(&str, &str); 4] = [
    ("Home.md", include_str!("../seed/Home.md")),
    (
        "Getting Started.md",
        include_str!("../seed/Getting_Started.md"),
    ),
    ("Agent Guide.md", include_str!("../seed/Agent_Guide.md")),
    (
        "Administration.md",
        include_str!("../seed/Administration.md"),
    ),
];

/// Values substituted into the templates.
pub struct SeedValues<'a> {
    /// The wiki's display name.
    pub display_name: &'a str,
    /// Its purpose, or empty.
    pub description: &'a str,
    /// Its public URL.
    pub wiki_url: &'a str,
    /// Its slug.
    pub slug: &'a str,
}

/// The seed files with placeholders filled in.
pub fn seed_files(values: &SeedValues<'_>) -> Vec<(String, Vec<u8>)> {
    let description = if values.description.trim().is_empty() {
        format!("A wiki about {}.", values.display_name)
    } else {
        values.description.trim().to_string()
    };
    TEMPLATES
        .iter()
        .map(|(name, text)| {
            let filled = text
                .replace("{{display_name}}", values.display_name)
                .replace("{{description}}", &description)
                .replace("{{wiki_url}}", values.wiki_url)
                .replace("{{slug}}", values.slug);
            ((*name).to_string(), filled.into_bytes())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_placeholder() {
        let files = seed_files(&SeedValues {
            display_name: "Notes",
            description: "",
            wiki_url: "http://n",
            slug: "notes",
        });
        assert_eq!(files.len(), 4);
        for (name, bytes) in files {
            let text = String::from_utf8(bytes).expect("templates are UTF-8");
            assert!(!text.contains("{{"), "{name} has an unfilled placeholder");
        }
    }
}
