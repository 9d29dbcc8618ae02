//! What a request type's schema says of each member, as the body reader
//! checks it: built once per type from the `MetaSchema` its `Object`
//! derive registers, so the spec and the reader are one declaration.
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde_json::Value;

/// The members of an object body, in the order the schema declares them.
pub struct Plan {
    pub members: Vec<Member>,
}

pub struct Member {
    pub name: &'static str,
    pub required: bool,
    /// The domain measures this member's length in bytes; the schema's
    /// bound in characters is left to it (see `FromBody`).
    pub in_bytes: bool,
    pub rule: Rule,
}

/// What one value must be.
pub struct Rule {
    pub kind: Kind,
    pub nullable: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub max_items: Option<usize>,
}

pub enum Kind {
    Text,
    DateTime,
    Boolean,
    Integer,
    Number,
    /// One of these strings (an enum).
    OneOf(Vec<String>),
    List(Box<Rule>),
    Any,
}

impl Plan {
    /// The plan of `T`, built on first use and kept for the process.
    pub fn of<T: Type + 'static>(in_bytes: &[&str]) -> &'static Plan {
        static PLANS: OnceLock<RwLock<HashMap<TypeId, &'static Plan>>> = OnceLock::new();
        let plans = PLANS.get_or_init(Default::default);
        let id = TypeId::of::<T>();
        if let Some(plan) = plans
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return plan;
        }
        let mut plans = plans.write().unwrap_or_else(PoisonError::into_inner);
        // One leaked plan per request type: a fixed, small set.
        plans
            .entry(id)
            .or_insert_with(|| Box::leak(Box::new(Self::build::<T>(in_bytes))))
    }

    fn build<T: Type>(in_bytes: &[&str]) -> Plan {
        let mut registry = Registry::new();
        T::register(&mut registry);
        let schema = T::schema_ref();
        let object = resolve(&schema, &registry);
        let members = object
            .properties
            .iter()
            .map(|(name, schema)| Member {
                name,
                required: object.required.contains(name),
                in_bytes: in_bytes.contains(name),
                rule: Rule::of(schema, &registry),
            })
            .collect();
        Plan { members }
    }
}

fn resolve<'a>(schema: &'a MetaSchemaRef, registry: &'a Registry) -> &'a MetaSchema {
    match schema {
        MetaSchemaRef::Inline(schema) => schema,
        MetaSchemaRef::Reference(name) => registry
            .schemas
            .get(name)
            .unwrap_or_else(|| panic!("{name} is referred to but not registered")),
    }
}

impl Rule {
    fn of(schema: &MetaSchemaRef, registry: &Registry) -> Rule {
        let schema = resolve(schema, registry);
        // A reference with words of its own (a description, `nullable`) is
        // written `allOf: [$ref, {...}]`: the reference says what it is.
        let mut parts = schema.all_of.iter().map(|part| Rule::of(part, registry));
        if let Some(mut rule) = parts.find(|rule| !matches!(rule.kind, Kind::Any)) {
            rule.nullable |= schema.nullable;
            return rule;
        }
        let values: Vec<String> = schema
            .enum_items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let kind = match (schema.ty, schema.format) {
            _ if !values.is_empty() => Kind::OneOf(values),
            ("string", Some("date-time")) => Kind::DateTime,
            ("string", _) => Kind::Text,
            ("boolean", _) => Kind::Boolean,
            ("integer", _) => Kind::Integer,
            ("number", _) => Kind::Number,
            ("array", _) => Kind::List(Box::new(match &schema.items {
                Some(items) => Rule::of(items, registry),
                None => Rule::any(),
            })),
            _ => Kind::Any,
        };
        Rule {
            kind,
            nullable: schema.nullable,
            min_length: schema.min_length,
            max_length: schema.max_length,
            max_items: schema.max_items,
        }
    }

    fn any() -> Rule {
        Rule {
            kind: Kind::Any,
            nullable: true,
            min_length: None,
            max_length: None,
            max_items: None,
        }
    }

    /// A value of the right kind that stands in for one that failed, so
    /// that the body can still be built and the domain's rules checked on
    /// the other members (its failures at this place are dropped).
    pub fn placeholder(&self) -> Value {
        match &self.kind {
            _ if self.nullable => Value::Null,
            Kind::Text => Value::String(String::new()),
            Kind::DateTime => Value::String("1970-01-01T00:00:00Z".into()),
            Kind::Boolean => Value::Bool(false),
            Kind::Integer | Kind::Number => Value::from(0),
            Kind::OneOf(values) => Value::String(values[0].clone()),
            Kind::List(_) => Value::Array(Vec::new()),
            Kind::Any => Value::Null,
        }
    }

    /// The kind of value expected, as a 422 words it ("must be ...").
    pub fn expected(&self) -> String {
        match &self.kind {
            Kind::Text | Kind::DateTime | Kind::OneOf(_) => "a string".into(),
            Kind::Boolean => "true or false".into(),
            Kind::Integer => "an integer".into(),
            Kind::Number => "a number".into(),
            Kind::List(items) => format!("an array of {}", items.plural()),
            Kind::Any => "a value".into(),
        }
    }

    fn plural(&self) -> &'static str {
        match self.kind {
            Kind::Text | Kind::DateTime | Kind::OneOf(_) => "strings",
            Kind::Boolean => "booleans",
            Kind::Integer | Kind::Number => "numbers",
            Kind::List(_) => "arrays",
            Kind::Any => "values",
        }
    }
}
