//! String identifiers: people, deals, roles and the records a deal owns.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

// The text of an id is shared, not copied: events and the state built from them hold the same
// ids many times over, so a clone is a reference count, not an allocation. Serialized as the
// plain string it wraps.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps a string as this identifier.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::from(value.into()))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(Arc::from(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(Arc::from(value))
            }
        }
    };
}

string_id!(
    /// A person: a team member, a reviewer, a convener. Assigned by the host.
    ///
    /// ```
    /// use ltc_pipeline::PersonId;
    /// assert_eq!(PersonId::new("ana").as_str(), "ana");
    /// ```
    PersonId
);
string_id!(
    /// A deal (one lead, and the opportunity and contract it becomes).
    ///
    /// ```
    /// use ltc_pipeline::DealId;
    /// assert_eq!(DealId::from("D-1").to_string(), "D-1");
    /// ```
    DealId
);
string_id!(
    /// A team role. `AR`, `SR` and `FR` form the iron triangle; a process may add more.
    ///
    /// ```
    /// use ltc_pipeline::Role;
    /// assert_eq!(Role::ar(), Role::new("AR"));
    /// ```
    Role
);
string_id!(
    /// A follow-up condition attached to an approval, named by the caller.
    ///
    /// ```
    /// use ltc_pipeline::ConditionId;
    /// assert_eq!(ConditionId::new("C-1").as_str(), "C-1");
    /// ```
    ConditionId
);
string_id!(
    /// A delivery milestone of a contract, named by the caller.
    ///
    /// ```
    /// use ltc_pipeline::MilestoneId;
    /// assert_eq!(MilestoneId::new("M-1").as_str(), "M-1");
    /// ```
    MilestoneId
);
string_id!(
    /// An invoice, named by the caller.
    ///
    /// ```
    /// use ltc_pipeline::InvoiceId;
    /// assert_eq!(InvoiceId::new("INV-1").as_str(), "INV-1");
    /// ```
    InvoiceId
);
string_id!(
    /// A payment or a refund, named by the caller.
    ///
    /// ```
    /// use ltc_pipeline::PaymentId;
    /// assert_eq!(PaymentId::new("PAY-1").as_str(), "PAY-1");
    /// ```
    PaymentId
);

impl Role {
    /// Account responsible: the customer relationship, profitable sales and cash collection.
    pub fn ar() -> Self {
        Self::new("AR")
    }

    /// Solution responsible: the solution and the quality of the bid.
    pub fn sr() -> Self {
        Self::new("SR")
    }

    /// Fulfilment responsible: delivery quality.
    pub fn fr() -> Self {
        Self::new("FR")
    }
}

/// The id a client gives a command so that sending it twice does it once: it travels in the
/// command's [`Envelope`](crate::Envelope) and is kept on every event the command produced
/// ([`StoredEvent::command_id`](crate::StoredEvent::command_id)), so a store can tell a resent
/// command from a new one.
///
/// Unlike the other ids, a command id is checked when it is made, so every value of this type is
/// usable: not blank, no control characters (nor Unicode line separators), no space around it,
/// and at most [`CommandId::MAX_LEN`] bytes. Serialized as the plain string; reading one checks
/// it the same way.
///
/// ```
/// use ltc_pipeline::CommandId;
/// let id = CommandId::new("req-7f3a")?;
/// assert_eq!(id.as_str(), "req-7f3a");
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""req-7f3a""#);
///
/// assert_eq!(CommandId::new(" ").unwrap_err().code(), "empty_text");
/// assert_eq!(CommandId::new("a\nb").unwrap_err().code(), "invalid_id");
/// assert_eq!(CommandId::new("x".repeat(201)).unwrap_err().code(), "id_too_long");
/// assert!(serde_json::from_str::<CommandId>(r#"" padded ""#).is_err());
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommandId(Arc<str>);

impl CommandId {
    /// The longest command id, in bytes of UTF-8.
    pub const MAX_LEN: usize = 200;

    /// Checks `value` and wraps it as a command id.
    ///
    /// # Errors
    /// Naming the field `command_id`: [`Error::EmptyText`](crate::Error::EmptyText) for a blank
    /// value, [`Error::IdTooLong`](crate::Error::IdTooLong) for one longer than
    /// [`CommandId::MAX_LEN`] bytes, [`Error::InvalidId`](crate::Error::InvalidId) for one with a
    /// control character or space around it.
    ///
    /// ```
    /// use ltc_pipeline::{CommandId, Error};
    /// assert!(CommandId::new("4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10").is_ok());
    /// let err = CommandId::new("c-1 ").unwrap_err();
    /// assert_eq!(err, Error::InvalidId { field: "command_id", value: "c-1 ".into() });
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, crate::Error> {
        let value = value.into();
        if value.len() > Self::MAX_LEN {
            return Err(crate::Error::IdTooLong {
                field: "command_id",
                value,
                max: Self::MAX_LEN,
            });
        }
        crate::decide::identifier(&value, "command_id")?;
        Ok(Self(Arc::from(value)))
    }

    /// The command id as a string slice.
    ///
    /// ```
    /// use ltc_pipeline::CommandId;
    /// assert_eq!(CommandId::new("c-1")?.as_str(), "c-1");
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for CommandId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CommandId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CommandId {
    type Err = crate::Error;

    /// As [`CommandId::new`].
    ///
    /// ```
    /// use ltc_pipeline::CommandId;
    /// let id: CommandId = "c-1".parse()?;
    /// assert_eq!(id, CommandId::new("c-1")?);
    /// assert!("".parse::<CommandId>().is_err());
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::new(value)
    }
}

impl TryFrom<&str> for CommandId {
    type Error = crate::Error;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<String> for CommandId {
    type Error = crate::Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}
