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
