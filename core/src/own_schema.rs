//! Feature `schemars`: leaf types that implement `schemars::JsonSchema`
//! bring their own schema to [`Builder::json_schema`](crate::Builder::json_schema).

use crate::json_schema::Probe;

impl<T: schemars::JsonSchema> Probe<T> {
    /// The type's schema, subschemas inlined so that it can sit inside
    /// another document.
    pub const JSON_SCHEMA: Option<fn() -> String> = Some(schema_of::<T>);
}

fn schema_of<T: schemars::JsonSchema>() -> String {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let mut schema = settings.into_generator().into_root_schema_for::<T>();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    schema.as_value().to_string()
}
