//! Records keyed by their id, in the order the log recorded them: a deal's conditions, a
//! contract's milestones, invoices and payments ([`Records`]), and the iterators over them.

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;
use std::hash::Hash;

// A record is found by hashing its id: the same cost whatever the number of records, where an
// ordered map's look-up grows with its depth (and follows a pointer to an id's text at every
// comparison). The hasher is seeded with a constant, so nothing about a deal depends on the
// machine or the run: iteration is in insertion order, which the hash never affects.
type Hasher = foldhash::fast::FixedState;

/// A set of ids found by hashing, as the records are: for the duplicates among many.
pub(crate) type IdSet<'a, K> = std::collections::HashSet<&'a K, Hasher>;

/// Records keyed by their id, in the order they were recorded.
///
/// A look-up by id costs the same whatever the number of records. Iteration, and the JSON
/// object this serializes to, follow the order the deal's log recorded them in; two collections
/// are equal when they hold the same records in the same order. Reading one back refuses an id
/// given twice. The hash's seed is a constant, so that nothing depends on the run: ids chosen
/// to collide can make look-ups slower, never wrong.
///
/// ```
/// use ltc_pipeline::{Deal, DealId};
/// let deal = Deal::new(DealId::new("D-1"));
/// assert!(deal.conditions().is_empty());
/// assert_eq!(deal.conditions().iter().count(), 0);
/// ```
#[derive(Clone)]
pub struct Records<K, V> {
    map: indexmap::IndexMap<K, V, Hasher>,
}

impl<K: Hash + Eq, V> Records<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            map: indexmap::IndexMap::with_hasher(Hasher::default()),
        }
    }

    /// The record with id `key`.
    ///
    /// ```
    /// use ltc_pipeline::{ConditionId, Deal, DealId};
    /// let deal = Deal::new(DealId::new("D-1"));
    /// assert!(deal.conditions().get(&ConditionId::new("C-1")).is_none());
    /// ```
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// Whether a record has id `key`.
    ///
    /// ```
    /// use ltc_pipeline::{ConditionId, Deal, DealId};
    /// let deal = Deal::new(DealId::new("D-1"));
    /// assert!(!deal.conditions().contains_key(&ConditionId::new("C-1")));
    /// ```
    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// How many records there are.
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// assert_eq!(Deal::new(DealId::new("D-1")).conditions().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// assert!(Deal::new(DealId::new("D-1")).conditions().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The records with their ids, in the order they were recorded.
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// let deal = Deal::new(DealId::new("D-1"));
    /// assert!(deal.conditions().iter().all(|(_, c)| c.closed.is_some()));
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.map.iter())
    }

    /// The ids, in the order they were recorded.
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// assert_eq!(Deal::new(DealId::new("D-1")).conditions().keys().count(), 0);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.map.keys())
    }

    /// The records, in the order they were recorded.
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// assert_eq!(Deal::new(DealId::new("D-1")).conditions().values().count(), 0);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.map.values())
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// The slot of id `key`: its record, or where a new one goes (after every other).
    pub(crate) fn entry(&mut self, key: K) -> indexmap::map::Entry<'_, K, V> {
        self.map.entry(key)
    }

    /// Adds a record under a new id; `false` (and nothing changed) when the id is taken.
    pub(crate) fn insert_new(&mut self, key: K, value: V) -> bool {
        match self.map.entry(key) {
            indexmap::map::Entry::Occupied(_) => false,
            indexmap::map::Entry::Vacant(v) => {
                v.insert(value);
                true
            }
        }
    }
}

impl<K: Hash + Eq, V> Default for Records<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Records<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

// Equal when the same records were recorded in the same order: what serializes alike is equal.
impl<K: PartialEq, V: PartialEq> PartialEq for Records<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.map.len() == other.map.len() && self.map.iter().eq(other.map.iter())
    }
}

impl<K: Eq, V: Eq> Eq for Records<K, V> {}

impl<'a, K, V> IntoIterator for &'a Records<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        Iter(self.map.iter())
    }
}

/// Declares an iterator over [`Records`] that wraps the map's own, so the map stays private.
macro_rules! iterator {
    ($(#[$doc:meta])* $name:ident, $inner:ident, $item:ty) => {
        $(#[$doc])*
        pub struct $name<'a, K, V>(indexmap::map::$inner<'a, K, V>);

        impl<'a, K, V> Iterator for $name<'a, K, V> {
            type Item = $item;
            fn next(&mut self) -> Option<Self::Item> {
                self.0.next()
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
            fn nth(&mut self, n: usize) -> Option<Self::Item> {
                self.0.nth(n)
            }
        }

        impl<K, V> DoubleEndedIterator for $name<'_, K, V> {
            fn next_back(&mut self) -> Option<Self::Item> {
                self.0.next_back()
            }
        }

        impl<K, V> ExactSizeIterator for $name<'_, K, V> {
            fn len(&self) -> usize {
                self.0.len()
            }
        }

        impl<K, V> std::iter::FusedIterator for $name<'_, K, V> {}

        impl<K, V> Clone for $name<'_, K, V> {
            fn clone(&self) -> Self {
                Self(self.0.clone())
            }
        }

        impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for $name<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

iterator!(
    /// The records of a [`Records`] with their ids, in the order they were recorded
    /// ([`Records::iter`]).
    ///
    /// ```
    /// use ltc_pipeline::{records::Iter, ConditionId, Condition, Deal, DealId};
    /// let deal = Deal::new(DealId::new("D-1"));
    /// let mut records: Iter<'_, ConditionId, Condition> = deal.conditions().iter();
    /// assert_eq!(records.len(), 0);
    /// assert!(records.next_back().is_none());
    /// ```
    Iter,
    Iter,
    (&'a K, &'a V)
);
iterator!(
    /// The ids of a [`Records`], in the order they were recorded ([`Records::keys`]).
    Keys,
    Keys,
    &'a K
);
iterator!(
    /// The records of a [`Records`], in the order they were recorded ([`Records::values`]).
    Values,
    Values,
    &'a V
);

impl<K: Serialize, V: Serialize> Serialize for Records<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.map.len()))?;
        for (k, v) in &self.map {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<K: Hash + Eq, V> crate::serde_strict::UniqueMap<K, V> for Records<K, V> {
    fn holds(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }
    fn put(&mut self, key: K, value: V) {
        self.map.insert(key, value);
    }
}

impl<'de, K, V> Deserialize<'de> for Records<K, V>
where
    K: Deserialize<'de> + Hash + Eq + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::serde_strict::unique_keys(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InvoiceId;

    fn records(ids: &[&str]) -> Records<InvoiceId, u32> {
        let mut r = Records::new();
        for (i, id) in ids.iter().enumerate() {
            assert!(r.insert_new(InvoiceId::new(*id), i as u32));
        }
        r
    }

    #[test]
    fn keeps_the_order_recorded_and_refuses_a_taken_id() {
        let mut r = records(&["INV-10", "INV-9", "A"]);
        assert!(!r.insert_new(InvoiceId::new("INV-9"), 7));
        assert_eq!(r.get(&InvoiceId::new("INV-9")), Some(&1));
        let keys: Vec<&str> = r.keys().map(InvoiceId::as_str).collect();
        assert_eq!(keys, ["INV-10", "INV-9", "A"]);
        assert_eq!(
            serde_json::to_string(&r).ok().as_deref(),
            Some(r#"{"INV-10":0,"INV-9":1,"A":2}"#)
        );
    }

    #[test]
    fn equal_only_in_the_same_order() {
        assert_eq!(records(&["a", "b"]), records(&["a", "b"]));
        assert_ne!(records(&["a", "b"]), records(&["b", "a"]));
        assert_ne!(records(&["a"]), records(&["a", "b"]));
    }

    #[test]
    fn reads_back_what_it_wrote_and_refuses_an_id_twice() {
        let r = records(&["z", "a", "m"]);
        let json = serde_json::to_string(&r).unwrap_or_default();
        let back: Result<Records<InvoiceId, u32>, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(r));
        let twice: Result<Records<InvoiceId, u32>, _> = serde_json::from_str(r#"{"a":1,"a":2}"#);
        let err = twice.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("the key `a` is given twice"), "{err}");
    }
}
