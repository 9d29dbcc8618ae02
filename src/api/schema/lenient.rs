//! `Lenient<P, R>`: a query or path parameter whose failure does not end
//! the request at once.
//!
//! poem-openapi reads an operation's parameters one after another and
//! answers at the first that does not parse or fails its validator, so a
//! 422 would name one bad parameter of several. A `Lenient` parameter keeps
//! its failure (`defer_failures`, as a request body does) and lets the
//! others be read; the operation then calls `take` on each, and the first
//! that failed answers 422 naming every failure of the request.
//!
//! The parameter's rule `R` stands where `#[oai(validator(...))]` would: it
//! is made of poem-openapi's own validators, which write it into the spec
//! and check the value, so what the spec declares and what is checked are
//! one declaration. (poem-openapi's validator attribute cannot be used: it
//! checks only what `param_raw_type` returns, and ends the request.)
use std::marker::PhantomData;

use futures_util::FutureExt;

use poem::{Request, RequestBody, Result};
use poem_openapi::param;
use poem_openapi::registry::{MetaParamIn, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use super::rule::{Rule, Unchecked};
use crate::api::error::{defer_failures, param_error_failure, param_failure, taken_failures};
use crate::domain::{Error, FieldError, Source};

/// A lenient query parameter of type `T` under the rule `R`.
pub type Query<T, R = Unchecked> = Lenient<param::Query<T>, R>;

/// A lenient path parameter. Operations name it `lenient::Path<T>`: the
/// operation macro takes an argument for a path parameter only when its
/// type's path has a segment named `Path` (and then reads it by position).
pub type Path<T> = Lenient<param::Path<T>>;

/// A parameter `P` (`param::Query<T>` or `param::Path<T>`) under the rule
/// `R`.
pub struct Lenient<P, R = Unchecked>(std::result::Result<P, FieldError>, PhantomData<R>);

/// The parameter extractors a `Lenient` wraps, and the value each holds.
pub trait Param {
    type Value;
    fn value(&self) -> &Self::Value;
    fn into_value(self) -> Self::Value;
}

impl<T> Param for param::Query<T> {
    type Value = T;
    fn value(&self) -> &T {
        &self.0
    }
    fn into_value(self) -> T {
        self.0
    }
}

impl<T> Param for param::Path<T> {
    type Value = T;
    fn value(&self) -> &T {
        &self.0
    }
    fn into_value(self) -> T {
        self.0
    }
}

impl<P: Param, R> Lenient<P, R> {
    /// The value, or the 422 naming every failure of the request (this
    /// parameter's among them).
    pub fn take(self) -> std::result::Result<P::Value, Error> {
        match self.0 {
            Ok(param) => Ok(param.into_value()),
            Err(own) => {
                let mut failures = taken_failures();
                if failures.is_empty() {
                    failures.push(own);
                }
                Err(Error::Validation(failures))
            }
        }
    }
}

impl<P: Param, R> Lenient<P, R>
where
    P::Value: Copy,
{
    /// The value, if it was read.
    pub fn peek(&self) -> Option<P::Value> {
        self.0.as_ref().ok().map(|param| *param.value())
    }
}

impl<'a, P, R> ApiExtractor<'a> for Lenient<P, R>
where
    P: ApiExtractor<'a> + Param<Value = P::ParamType> + Send,
    R: Rule<P::ParamType> + Send,
{
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = P::PARAM_IS_REQUIRED;
    type ParamType = P::ParamType;
    type ParamRawType = P::ParamRawType;

    fn register(registry: &mut Registry) {
        P::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        P::param_in()
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        let mut rule = MetaSchema::ANY;
        R::declare(&mut rule);
        P::param_schema_ref().map(|schema| schema.merge(rule))
    }

    /// None: poem-openapi has no validator of its own to run on the value
    /// (`R` is checked in `from_request`).
    fn param_raw_type(&self) -> Option<&Self::ParamRawType> {
        None
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> Result<Self> {
        let name = param_opts.name;
        // Boxed, as poem-openapi's own extractors do: the compiler cannot
        // yet prove the unboxed future `Send` (rust-lang/rust#100013).
        let read = match P::from_request(request, body, param_opts).boxed().await {
            Ok(param) => match R::broken(param.value()) {
                None => Ok(param),
                Some(broken) => {
                    let source = match P::param_in() {
                        Some(MetaParamIn::Path) => Source::Path,
                        _ => Source::Query,
                    };
                    Err(param_failure(name, Some(source), &broken))
                }
            },
            Err(err) => Err(param_error_failure(&err).ok_or(err)?),
        };
        if let Err(failure) = &read {
            defer_failures(std::slice::from_ref(failure));
        }
        Ok(Self(read, PhantomData))
    }
}
