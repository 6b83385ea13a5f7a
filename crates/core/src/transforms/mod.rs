//! The built-in transforms. They do no I/O: each reshapes records batch by batch.

mod aggregate;
mod cast;
mod dedupe;
mod filter;
mod join;
mod limit;
mod lookup;
mod map;
mod route;
mod select;
mod sort;
mod union;

pub use aggregate::{AggregateConfig, AggregateFunction, Aggregation};
pub use cast::{CastConfig, CastType};
pub use dedupe::DedupeConfig;
pub use filter::FilterConfig;
pub use join::{Collisions, JoinConfig, JoinKey, JoinKind};
pub use limit::LimitConfig;
pub use lookup::{LookupConfig, Missing};
pub use map::MapConfig;
pub use route::{RouteConfig, RouteRule};
pub use select::SelectConfig;
pub use sort::{NullsAt, SortConfig, SortKey, SortOrder};
pub use union::UnionConfig;

use crate::registry::ComponentDescriptor;

/// Registry entries for every built-in transform.
pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::transform::<FilterConfig>(
            "filter",
            "Filter",
            "Keeps the records for which a condition is true.",
        ),
        ComponentDescriptor::transform::<MapConfig>(
            "map",
            "Map fields",
            "Computes new fields, renames fields and drops fields.",
        ),
        ComponentDescriptor::transform::<SelectConfig>(
            "select",
            "Select fields",
            "Keeps only the listed fields, in the listed order.",
        ),
        ComponentDescriptor::transform::<CastConfig>(
            "cast",
            "Convert types",
            "Converts fields to text, whole numbers, numbers, true/false, dates or JSON.",
        ),
        ComponentDescriptor::transform::<DedupeConfig>(
            "dedupe",
            "Remove duplicates",
            "Keeps the first record for each key and drops later ones.",
        ),
        ComponentDescriptor::transform::<LimitConfig>(
            "limit",
            "Limit",
            "Passes on the first N records and stops reading after them.",
        ),
        ComponentDescriptor::transform::<AggregateConfig>(
            "aggregate",
            "Aggregate",
            "One record per group: counts, sums, averages, minimums and maximums, firsts and lasts, lists.",
        ),
        ComponentDescriptor::transform::<SortConfig>(
            "sort",
            "Sort",
            "Orders records by fields (ascending or descending), with temporary files when they do not fit in memory.",
        ),
        ComponentDescriptor::transform::<JoinConfig>(
            "join",
            "Join",
            "Combines the records of two inputs whose key fields are equal (inner, left, right, full, semi, anti).",
        )
        .with_inputs(&["left", "right"]),
        ComponentDescriptor::transform::<LookupConfig>(
            "lookup",
            "Lookup",
            "Adds fields from a table (the records of its `table` input) to each record whose key is in it.",
        )
        .with_inputs(&["in", "table"]),
        ComponentDescriptor::transform::<UnionConfig>(
            "union",
            "Union",
            "Stacks the records of every input, matching fields by name.",
        ),
        ComponentDescriptor::transform::<RouteConfig>(
            "route",
            "Route",
            "Sends each record to the port of the first condition it matches, or to `else`.",
        )
        .with_ports_per_item("routes", "port", &[route::ELSE_PORT]),
    ]
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs a transform on records without an engine.

    use crate::component::{BuildContext, TransformConfig};
    use crate::engine::Output;
    use crate::expression::Expressions;
    use crate::flow::OnError;
    use crate::record::Record;

    /// A build context for a test, without credentials, state or inputs.
    pub fn context(expressions: &Expressions) -> BuildContext<'_> {
        BuildContext::standalone(std::path::Path::new("."), expressions)
    }

    /// Where the batches of [`run`] come from.
    pub const INPUT: crate::component::Input<'static> = crate::component::Input {
        port: crate::flow::DEFAULT_INPUT_PORT,
        from: "test",
    };

    /// Runs `config` over `records` in batches of two and gives back the output.
    pub fn run(
        config: &dyn TransformConfig,
        records: Vec<Record>,
        on_error: OnError,
    ) -> Output<'static> {
        run_within(config, records, on_error, Default::default())
    }

    /// [`run`] with the run's memory budget given.
    pub fn run_within(
        config: &dyn TransformConfig,
        records: Vec<Record>,
        on_error: OnError,
        memory: std::sync::Arc<crate::memory::MemoryBudget>,
    ) -> Output<'static> {
        let ports = config.output_ports();
        let port_names: Vec<&str> = ports.iter().map(String::as_str).collect();
        let mut output = Output::for_test(&port_names, on_error);
        let expressions = Expressions::for_validation();
        let context = BuildContext {
            memory,
            ..context(&expressions)
        };
        let mut transform = config.build(&context).expect("transform builds");
        for chunk in records.chunks(2) {
            transform
                .transform(
                    crate::transforms::testing::INPUT,
                    chunk.to_vec(),
                    &mut output,
                )
                .expect("batch is processed");
            if transform.is_done() {
                break;
            }
        }
        transform.finish(&mut output).expect("transform finishes");
        output
    }

    /// Records from a JSON array literal; records of one shape share a schema, as a source's do.
    pub fn records(value: serde_json::Value) -> Vec<Record> {
        let mut shapes = crate::json_records::ShapeCache::default();
        value
            .as_array()
            .expect("an array")
            .iter()
            .map(|item| shapes.record(item.as_object().expect("objects").clone()))
            .collect()
    }
}
