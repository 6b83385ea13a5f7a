//! The manifest's components as typed values, read from the resolved manifest (references
//! followed, types inferred, parameters handed down). Interpolated fields stay JSON values (a
//! template or a literal) and are evaluated during a read.

// The variants are Airbyte's component names, as manifests write them in `type`.
#![allow(clippy::enum_variant_names)]

use serde::Deserialize;
use serde_json::{Map, Value};

pub use super::model_auth::{
    Authenticator, Backoff, DefaultErrorHandler, ErrorHandler, OAuth, ResponseFilter,
    SessionInjection, SessionToken,
};

/// The whole manifest (`type: DeclarativeSource`).
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub streams: Vec<Stream>,
    #[serde(default)]
    pub check: Option<Check>,
    #[serde(default)]
    pub spec: Option<Spec>,
}

/// `CheckStream`: the streams `check` reads one page of.
#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    #[serde(default)]
    pub stream_names: Vec<String>,
}

/// `Spec`: the connector's settings, as a JSON schema.
#[derive(Debug, Clone, Deserialize)]
pub struct Spec {
    pub connection_specification: Value,
    #[serde(default)]
    pub documentation_url: Option<String>,
}

/// `DeclarativeStream`.
#[derive(Debug, Clone, Deserialize)]
pub struct Stream {
    pub name: String,
    #[serde(default)]
    pub primary_key: Option<Value>,
    pub retriever: Retriever,
    #[serde(default)]
    pub incremental_sync: Option<IncrementalSync>,
    #[serde(default)]
    pub schema_loader: Option<SchemaLoader>,
    #[serde(default)]
    pub transformations: Vec<Transformation>,
    #[serde(rename = "$parameters", default)]
    pub parameters: Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Retriever {
    SimpleRetriever(Box<SimpleRetriever>),
}

/// `SimpleRetriever`: requests, pages and partitions of one stream.
#[derive(Debug, Clone, Deserialize)]
pub struct SimpleRetriever {
    pub requester: Requester,
    pub record_selector: RecordSelector,
    #[serde(default)]
    pub paginator: Option<Paginator>,
    #[serde(default)]
    pub partition_router: Option<PartitionRouters>,
    #[serde(default)]
    pub ignore_stream_slicer_parameters_on_paginated_requests: bool,
    #[serde(rename = "$parameters", default)]
    pub parameters: Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Requester {
    HttpRequester(Box<HttpRequester>),
}

/// `HttpRequester`.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpRequester {
    #[serde(default)]
    pub url_base: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub http_method: Option<String>,
    #[serde(default)]
    pub request_parameters: Option<Value>,
    #[serde(default)]
    pub request_headers: Option<Value>,
    #[serde(default)]
    pub request_body_json: Option<Value>,
    #[serde(default)]
    pub request_body_data: Option<Value>,
    #[serde(default)]
    pub request_options_provider: Option<RequestOptionsProvider>,
    #[serde(default)]
    pub authenticator: Option<Authenticator>,
    #[serde(default)]
    pub error_handler: Option<ErrorHandler>,
    #[serde(rename = "$parameters", default)]
    pub parameters: Map<String, Value>,
}

/// The older place for a requester's parameters, headers and bodies.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestOptionsProvider {
    #[serde(default)]
    pub request_parameters: Option<Value>,
    #[serde(default)]
    pub request_headers: Option<Value>,
    #[serde(default)]
    pub request_body_json: Option<Value>,
    #[serde(default)]
    pub request_body_data: Option<Value>,
}

/// `RecordSelector` with its `DpathExtractor` and optional `RecordFilter`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordSelector {
    pub extractor: Extractor,
    #[serde(default)]
    pub record_filter: Option<RecordFilter>,
    #[serde(default)]
    pub schema_normalization: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Extractor {
    DpathExtractor {
        #[serde(default)]
        field_path: Vec<Value>,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordFilter {
    pub condition: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Paginator {
    DefaultPaginator(Box<DefaultPaginator>),
    NoPagination {},
}

/// `DefaultPaginator`.
#[derive(Debug, Clone, Deserialize)]
pub struct DefaultPaginator {
    pub pagination_strategy: PaginationStrategy,
    #[serde(default)]
    pub page_token_option: Option<TokenOption>,
    #[serde(default)]
    pub page_size_option: Option<RequestOption>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum PaginationStrategy {
    CursorPagination {
        cursor_value: Value,
        #[serde(default)]
        stop_condition: Option<Value>,
        #[serde(default)]
        page_size: Option<Value>,
    },
    OffsetIncrement {
        #[serde(default)]
        page_size: Option<Value>,
        #[serde(default)]
        inject_on_first_request: bool,
    },
    PageIncrement {
        #[serde(default)]
        page_size: Option<Value>,
        #[serde(default)]
        start_from_page: Option<Value>,
        #[serde(default)]
        inject_on_first_request: bool,
    },
}

/// Where a page token goes: a request option, or the whole path (`RequestPath`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum TokenOption {
    RequestOption(RequestOption),
    RequestPath {},
}

/// `RequestOption`: a value injected into the request.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestOption {
    pub inject_into: InjectInto,
    #[serde(default)]
    pub field_name: Option<String>,
    #[serde(default)]
    pub field_path: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectInto {
    RequestParameter,
    Header,
    BodyData,
    BodyJson,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum IncrementalSync {
    DatetimeBasedCursor(Box<DatetimeCursor>),
}

/// `DatetimeBasedCursor`.
#[derive(Debug, Clone, Deserialize)]
pub struct DatetimeCursor {
    pub cursor_field: String,
    pub datetime_format: String,
    #[serde(default)]
    pub cursor_datetime_formats: Vec<String>,
    pub start_datetime: DatetimeBound,
    #[serde(default)]
    pub end_datetime: Option<DatetimeBound>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub cursor_granularity: Option<String>,
    #[serde(default)]
    pub lookback_window: Option<String>,
    #[serde(default)]
    pub start_time_option: Option<RequestOption>,
    #[serde(default)]
    pub end_time_option: Option<RequestOption>,
    #[serde(default)]
    pub partition_field_start: Option<String>,
    #[serde(default)]
    pub partition_field_end: Option<String>,
    #[serde(default)]
    pub is_data_feed: bool,
}

/// A datetime: a template, or a `MinMaxDatetime` with its own format and bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DatetimeBound {
    Text(String),
    MinMax(MinMaxDatetime),
}

#[derive(Debug, Clone, Deserialize)]
pub struct MinMaxDatetime {
    pub datetime: String,
    #[serde(default)]
    pub datetime_format: Option<String>,
    #[serde(default)]
    pub min_datetime: Option<String>,
    #[serde(default)]
    pub max_datetime: Option<String>,
}

/// One router, or several whose partitions combine (every combination).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PartitionRouters {
    One(PartitionRouter),
    Many(Vec<PartitionRouter>),
}

impl PartitionRouters {
    pub fn as_slice(&self) -> &[PartitionRouter] {
        match self {
            PartitionRouters::One(router) => std::slice::from_ref(router),
            PartitionRouters::Many(routers) => routers,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum PartitionRouter {
    ListPartitionRouter {
        values: Value,
        cursor_field: String,
        #[serde(default)]
        request_option: Option<RequestOption>,
    },
    SubstreamPartitionRouter {
        parent_stream_configs: Vec<ParentStreamConfig>,
    },
}

/// `ParentStreamConfig`: a parent stream whose records each make a partition.
#[derive(Debug, Clone, Deserialize)]
pub struct ParentStreamConfig {
    pub stream: Box<Stream>,
    pub parent_key: String,
    pub partition_field: String,
    #[serde(default)]
    pub request_option: Option<RequestOption>,
    #[serde(default)]
    pub incremental_dependency: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Transformation {
    AddFields {
        fields: Vec<AddedField>,
        #[serde(default)]
        condition: Option<Value>,
    },
    RemoveFields {
        field_pointers: Vec<Vec<String>>,
        #[serde(default)]
        condition: Option<Value>,
    },
    KeysToLower {},
    KeysToSnakeCase {},
    KeysReplace {
        old: String,
        new: String,
    },
    FlattenFields {
        #[serde(default = "yes")]
        flatten_lists: bool,
    },
    DpathFlattenFields {
        field_path: Vec<String>,
        #[serde(default)]
        delete_origin_value: bool,
        #[serde(default)]
        replace_record: bool,
    },
}

fn yes() -> bool {
    true
}

/// `AddedFieldDefinition`.
#[derive(Debug, Clone, Deserialize)]
pub struct AddedField {
    pub path: Vec<String>,
    pub value: Value,
    #[serde(default)]
    pub value_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum SchemaLoader {
    InlineSchemaLoader {
        #[serde(default)]
        schema: Value,
    },
    JsonFileSchemaLoader {
        #[serde(default)]
        file_path: Option<String>,
    },
}
