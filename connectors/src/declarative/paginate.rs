//! Pages of a stream as Airbyte's `DefaultPaginator` turns them: the token of the next page from
//! a cursor in the response (`CursorPagination`), an offset or a page number, injected as a
//! request option or as the whole path (`RequestPath`), with the page size on every request.

use serde_json::{Map, Value};

use super::interpolate::{Context, Interpolator, truthy};
use super::model::{DefaultPaginator, PaginationStrategy, Paginator, TokenOption};
use super::request::Injected;

/// Where a stream's pagination stands within one slice.
#[derive(Debug)]
pub struct Pages<'a> {
    paginator: Option<&'a DefaultPaginator>,
    /// The token of the page to request next (`None` on a first page without one).
    token: Option<Value>,
    page_size: Option<Value>,
}

/// What the last page held, for deciding the next.
pub struct LastPage<'a> {
    pub response: &'a Value,
    pub headers: &'a Value,
    pub last_record: Option<&'a Value>,
    pub size: usize,
}

impl<'a> Pages<'a> {
    /// The first page of a slice.
    pub fn start(
        paginator: Option<&'a Paginator>,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<Pages<'a>, String> {
        let paginator = match paginator {
            Some(Paginator::DefaultPaginator(paginator)) => Some(paginator.as_ref()),
            _ => None,
        };
        let page_size = match paginator.map(|paginator| &paginator.pagination_strategy) {
            Some(PaginationStrategy::CursorPagination { page_size, .. })
            | Some(PaginationStrategy::OffsetIncrement { page_size, .. })
            | Some(PaginationStrategy::PageIncrement { page_size, .. }) => page_size
                .as_ref()
                .map(|size| interpolator.value(size, context))
                .transpose()?
                .filter(truthy),
            None => None,
        };
        let token = match paginator.map(|paginator| &paginator.pagination_strategy) {
            Some(PaginationStrategy::OffsetIncrement {
                inject_on_first_request: true,
                ..
            }) => Some(Value::from(0)),
            Some(PaginationStrategy::PageIncrement {
                inject_on_first_request: true,
                start_from_page,
                ..
            }) => Some(start_page(start_from_page.as_ref(), interpolator, context)?),
            _ => None,
        };
        Ok(Pages {
            paginator,
            token,
            page_size,
        })
    }

    /// `next_page_token` as templates see it: `{"next_page_token": token}` or empty.
    pub fn token_variable(&self) -> Value {
        let mut token = Map::new();
        if let Some(value) = &self.token {
            token.insert("next_page_token".into(), value.clone());
        }
        Value::Object(token)
    }

    /// Whether a page token is held (the request is not the slice's first).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The path the token replaces, for `RequestPath`.
    pub fn path(&self) -> Option<String> {
        match (self.paginator?.page_token_option.as_ref()?, &self.token) {
            (TokenOption::RequestPath {}, Some(token)) => Some(super::request::text_of(token)),
            _ => None,
        }
    }

    /// The page size and token as request options.
    pub fn injected(
        &self,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<Injected, String> {
        let mut injected = Injected::default();
        let Some(paginator) = self.paginator else {
            return Ok(injected);
        };
        if let (Some(option), Some(size)) = (&paginator.page_size_option, &self.page_size) {
            injected.add(option, size, interpolator, context)?;
        }
        if let (Some(TokenOption::RequestOption(option)), Some(token)) =
            (&paginator.page_token_option, &self.token)
        {
            injected.add(option, token, interpolator, context)?;
        }
        Ok(injected)
    }

    /// Moves to the next page; false when the last page was the last.
    pub fn advance(
        &mut self,
        last: &LastPage<'_>,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<bool, String> {
        let Some(paginator) = self.paginator else {
            return Ok(false);
        };
        let size = self.page_size.as_ref().and_then(as_number);
        let short = |size: Option<f64>| {
            last.size == 0 || size.is_some_and(|size| (last.size as f64) < size)
        };
        let next = match &paginator.pagination_strategy {
            PaginationStrategy::CursorPagination {
                cursor_value,
                stop_condition,
                ..
            } => {
                let mut context = context.clone();
                context.insert("response".into(), last.response.clone());
                context.insert("headers".into(), last.headers.clone());
                context.insert(
                    "last_record".into(),
                    last.last_record.cloned().unwrap_or(Value::Null),
                );
                context.insert("last_page_size".into(), Value::from(last.size));
                if let Some(size) = &self.page_size {
                    context.insert("page_size".into(), size.clone());
                }
                if let Some(stop) = stop_condition
                    && interpolator.condition(stop, &context)?
                {
                    None
                } else {
                    Some(interpolator.value(cursor_value, &context)?).filter(truthy)
                }
            }
            PaginationStrategy::OffsetIncrement { .. } => {
                if short(size) {
                    None
                } else {
                    let offset = self.token.as_ref().and_then(as_number).unwrap_or(0.0) as u64;
                    Some(Value::from(offset + last.size as u64))
                }
            }
            PaginationStrategy::PageIncrement {
                start_from_page, ..
            } => {
                if short(size) {
                    None
                } else {
                    match self.token.as_ref().and_then(as_number) {
                        Some(page) => Some(Value::from(page as u64 + 1)),
                        None => {
                            let first =
                                start_page(start_from_page.as_ref(), interpolator, context)?;
                            Some(Value::from(as_number(&first).unwrap_or(0.0) as u64 + 1))
                        }
                    }
                }
            }
        };
        let more = next.is_some();
        self.token = next;
        Ok(more)
    }
}

fn start_page(
    start: Option<&Value>,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<Value, String> {
    Ok(start
        .map(|start| interpolator.value(start, context))
        .transpose()?
        .unwrap_or(Value::from(0)))
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}
