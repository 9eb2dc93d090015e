//! Values crossing between Rust and the two databases: [`Value`], what can be bound
//! ([`Param`], [`args!`]), what a column can be read as ([`FromValue`]), and their conversions to
//! and from rusqlite's and rust-postgres' types. Hand-written (no crate maps one value type onto
//! both drivers): an `i64` binds to a PostgreSQL `bigint`, `integer` or `double precision` column
//! alike, and a column reads back whatever its integer or float width.

use std::borrow::Cow;

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
    /// A PostgreSQL array of these (one parameter for a whole column of a batch, `unnest`ed);
    /// SQLite has no arrays and refuses it.
    Array(Vec<Value<'a>>),
}

/// What can be bound to a statement.
pub(super) trait Param {
    fn value(&self) -> Value<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_param!(i64, i32, u32, u8, u64, usize);

impl Param for bool {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl Param for f64 {
    fn value(&self) -> Value<'_> {
        if self.is_nan() {
            // SQLite stores NaN as NULL; PostgreSQL would keep it: the same on both.
            Value::Null
        } else {
            Value::Real(*self)
        }
    }
}
impl Param for f32 {
    fn value(&self) -> Value<'_> {
        if self.is_nan() {
            Value::Null
        } else {
            Value::Real(f64::from(*self))
        }
    }
}
impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl Param for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl Param for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl Param for Value<'_> {
    fn value(&self) -> Value<'_> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(*i),
            Value::Real(r) => Value::Real(*r),
            Value::Text(t) => Value::Text(Cow::Borrowed(t)),
            Value::Blob(b) => Value::Blob(Cow::Borrowed(b)),
            Value::Array(items) => Value::Array(items.iter().map(Param::value).collect()),
        }
    }
}
impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}
impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

/// `args![a, b, c]`: the parameters of a statement, borrowed (as rusqlite's `params!`).
macro_rules! args {
    () => { &[] as &[&dyn $crate::store::value::Param] };
    ($($e:expr),+ $(,)?) => { &[$(&$e as &dyn $crate::store::value::Param),+] as &[&dyn $crate::store::value::Param] };
}
pub(super) use args;

/// What a column can be read as.
pub(super) trait FromValue: Sized {
    fn from_value(v: Value<'static>) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            // PostgreSQL's sum() of integers, cast to float by a query, or a real column.
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.2e18 => Ok(r as i64),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
/// The narrower integers, from an `i64` that must fit.
macro_rules! narrow_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value<'static>) -> Result<Self, String> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} is out of range"))
            }
        }
    )*};
}
narrow_from_value!(u64, u32, u8, i32);

impl FromValue for bool {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        match v {
            Value::Real(r) => Ok(r),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for f32 {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        f64::from_value(v).map(|f| f as f32)
    }
}
impl FromValue for String {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        match v {
            Value::Text(t) => Ok(t.into_owned()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.into_owned()),
            Value::Text(t) => Ok(t.into_owned().into_bytes()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl FromValue for Value<'static> {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'static>) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A PostgreSQL value of any of the types the store uses, read as a [`Value`].
pub(super) struct PgValue(pub(super) Value<'static>);

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(Cow::Owned(raw.to_vec())),
            _ => Value::Text(Cow::Owned(String::from_sql(ty, raw)?)),
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::BOOL
                | Type::BYTEA
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT4) => (*i as f32).to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT8) => r.to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT4) => (*r as f32).to_sql(ty, out),
            (Value::Text(t), _) if <&str as ToSql>::accepts(ty) => t.as_ref().to_sql(ty, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_ref().to_sql(ty, out),
            // An SQLite row written before version 6 may hold as text what PostgreSQL keeps as
            // bytes (the migration there converts the same way).
            (Value::Text(t), &Type::BYTEA) => t.as_bytes().to_sql(ty, out),
            (Value::Array(items), _) => items.as_slice().to_sql(ty, out),
            (v, ty) => Err(format!("cannot bind {v:?} to a parameter of type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
            Value::Array(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite has no arrays".into(),
                ));
            }
        }))
    }
}
