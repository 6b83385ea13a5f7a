//! The example flows a new studio starts with: written with their data into the home folder and
//! imported once, on the first start.

use crate::{Result, Sluice};

/// An example: its folder name and files (name, contents).
struct Example {
    folder: &'static str,
    files: &'static [(&'static str, &'static [u8])],
}

const EXAMPLES: &[Example] = &[
    Example {
        folder: "customers-to-sqlite",
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/customers-to-sqlite/flow.sluice.json"),
            ),
            (
                "customers.csv",
                include_bytes!("../../../examples/customers-to-sqlite/customers.csv"),
            ),
        ],
    },
    Example {
        folder: "orders-incremental",
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/orders-incremental/flow.sluice.json"),
            ),
            (
                "shop.db",
                include_bytes!("../../../examples/orders-incremental/shop.db"),
            ),
        ],
    },
];

const SEEDED: &str = "examples.seeded";

impl Sluice {
    /// On the first start only, puts the example flows and their data under `examples/` in the
    /// home folder and imports them. Returns how many flows were added.
    pub fn seed_examples(&self) -> Result<usize> {
        if self.store().setting(SEEDED)?.is_some() {
            return Ok(0);
        }
        let mut added = 0;
        for example in EXAMPLES {
            let folder = self.home().join("examples").join(example.folder);
            std::fs::create_dir_all(&folder).map_err(|source| crate::Error::Io {
                action: "create",
                path: folder.clone(),
                source,
            })?;
            for (name, contents) in example.files {
                let path = folder.join(name);
                if !path.exists() {
                    std::fs::write(&path, contents).map_err(|source| crate::Error::Io {
                        action: "write",
                        path: path.clone(),
                        source,
                    })?;
                }
            }
            let flow = folder.join("flow.sluice.json");
            let loaded = self.load_flow_file(&flow)?;
            if self.store().flow(&loaded.flow.id)?.is_none() {
                // Shipped with Sluice: approved as they come.
                let imported = self.import_flow(loaded.flow, &loaded.base_dir, false)?;
                self.store()
                    .trust_version(&imported.flow_id, imported.version)?;
                added += 1;
            }
        }
        self.store().set_setting(SEEDED, "1")?;
        Ok(added)
    }
}
