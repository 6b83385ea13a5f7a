//! The templates a person starts a flow from (every example folder, with its sample data): the
//! gallery lists them, a new flow is made from a fresh copy of one, and a new studio starts with
//! the first few already there.

use std::path::{Path, PathBuf};

use crate::flows::LoadedFlow;
use crate::{Error, Result, Sluice};

/// A template: its folder under `examples/`, its files (name, contents), and whether a new studio
/// starts with it.
struct Template {
    folder: &'static str,
    seeded: bool,
    files: &'static [(&'static str, &'static [u8])],
}

const TEMPLATES: &[Template] = &[
    Template {
        folder: "customers-to-sqlite",
        seeded: true,
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
    Template {
        folder: "orders-incremental",
        seeded: true,
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
    Template {
        folder: "typed-json",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/typed-json/flow.sluice.json"),
            ),
            (
                "products.csv",
                include_bytes!("../../../examples/typed-json/products.csv"),
            ),
        ],
    },
    Template {
        folder: "events-by-kind",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/events-by-kind/flow.sluice.json"),
            ),
            (
                "events.ndjson",
                include_bytes!("../../../examples/events-by-kind/events.ndjson"),
            ),
        ],
    },
    Template {
        folder: "dedupe-contacts",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/dedupe-contacts/flow.sluice.json"),
            ),
            (
                "contacts.csv",
                include_bytes!("../../../examples/dedupe-contacts/contacts.csv"),
            ),
        ],
    },
    Template {
        folder: "select-columns",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/select-columns/flow.sluice.json"),
            ),
            (
                "staff.csv",
                include_bytes!("../../../examples/select-columns/staff.csv"),
            ),
        ],
    },
    Template {
        folder: "products-upsert",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/products-upsert/flow.sluice.json"),
            ),
            (
                "prices.csv",
                include_bytes!("../../../examples/products-upsert/prices.csv"),
            ),
        ],
    },
    Template {
        folder: "flatten-json",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/flatten-json/flow.sluice.json"),
            ),
            (
                "orders.json",
                include_bytes!("../../../examples/flatten-json/orders.json"),
            ),
        ],
    },
    Template {
        folder: "sample-rows",
        seeded: false,
        files: &[
            (
                "flow.sluice.json",
                include_bytes!("../../../examples/sample-rows/flow.sluice.json"),
            ),
            (
                "readings.csv",
                include_bytes!("../../../examples/sample-rows/readings.csv"),
            ),
        ],
    },
];

const SEEDED: &str = "examples.seeded";

/// A template as the gallery shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct TemplateInfo {
    /// What to ask for it by (its folder name).
    pub id: String,
    pub name: String,
    pub description: String,
    /// The node types it uses, in order.
    pub components: Vec<String>,
}

impl Template {
    fn flow(&self) -> sluice_core::Flow {
        let (_, document) = self.files[0];
        let text = std::str::from_utf8(document).expect("templates are UTF-8");
        sluice_core::Flow::from_json(text).expect("templates are valid flows")
    }

    /// Writes its files into `folder` (those not there yet).
    fn write_into(&self, folder: &Path) -> Result<()> {
        std::fs::create_dir_all(folder).map_err(|source| Error::Io {
            action: "create",
            path: folder.to_path_buf(),
            source,
        })?;
        for (name, contents) in self.files {
            let path = folder.join(name);
            if !path.exists() {
                std::fs::write(&path, contents).map_err(|source| Error::Io {
                    action: "write",
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }
}

impl Sluice {
    /// The templates, for the gallery.
    pub fn templates(&self) -> Vec<TemplateInfo> {
        TEMPLATES
            .iter()
            .map(|template| {
                let flow = template.flow();
                TemplateInfo {
                    id: template.folder.to_string(),
                    name: flow.name,
                    description: flow.description.unwrap_or_default(),
                    components: flow.nodes.into_iter().map(|node| node.component).collect(),
                }
            })
            .collect()
    }

    /// A new flow from a template: a fresh copy of its files under `files/templates/` in the home
    /// folder, a new id (no sync state shared with other copies) and a name no flow has.
    /// Shipped with Sluice, it may run as it comes.
    pub fn create_from_template(&self, id: &str) -> Result<LoadedFlow> {
        let template = (TEMPLATES.iter())
            .find(|template| template.folder == id)
            .ok_or_else(|| Error::NotFound(format!("no template '{id}'")))?;
        let folder = self.fresh_folder(&self.files_folder().join("templates"), template.folder);
        template.write_into(&folder)?;
        let mut flow = template.flow();
        flow.id = uuid::Uuid::now_v7().to_string();
        flow.name = self.unused_name(&flow.name)?;
        let imported = self.import_flow(flow, &folder, false)?;
        self.store()
            .trust_version(&imported.flow_id, imported.version)?;
        self.find_flow(&imported.flow_id)
    }

    /// On the first start only, puts the seeded templates and their data under `examples/` in
    /// the home folder and imports them. Returns how many flows were added.
    pub fn seed_examples(&self) -> Result<usize> {
        if self.store().setting(SEEDED)?.is_some() {
            return Ok(0);
        }
        let mut added = 0;
        for template in TEMPLATES.iter().filter(|template| template.seeded) {
            let folder = self.home().join("examples").join(template.folder);
            template.write_into(&folder)?;
            let loaded = self.load_flow_file(&folder.join("flow.sluice.json"))?;
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

    /// `name`, or `name 2`, `name 3`… : the first no stored flow has.
    fn unused_name(&self, name: &str) -> Result<String> {
        let mut candidate = name.to_string();
        for number in 2.. {
            if self.store().flows_named(&candidate)?.is_empty() {
                break;
            }
            candidate = format!("{name} {number}");
        }
        Ok(candidate)
    }

    /// `parent/name`, or `parent/name-2`… : the first that does not exist.
    fn fresh_folder(&self, parent: &Path, name: &str) -> PathBuf {
        let mut folder = parent.join(name);
        for number in 2.. {
            if !folder.exists() {
                break;
            }
            folder = parent.join(format!("{name}-{number}"));
        }
        folder
    }
}
