//! The proof systems, by the name `proof.json`, the canister's registry and the CLI use.
use alloc::string::String;
use core::fmt;
use core::str::FromStr;
use serde::{Deserialize, Serialize, Serializer};

/// A proof system verinfer proves with. Serialized as its [`name`](BackendId::name) (the one
/// spelling, both ways); reading an unknown name is an [`UnknownBackend`] error that lists the
/// supported ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum BackendId {
    /// Groth16 over BN254 (arkworks), standard enough for snarkjs and EVM verifiers.
    Groth16,
    /// halo2 (PLONKish with lookups, IPA over the Pasta curves): no trusted setup at all.
    Halo2,
}

impl Serialize for BackendId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl BackendId {
    /// Every backend this build knows.
    pub const ALL: &'static [BackendId] = &[BackendId::Groth16, BackendId::Halo2];

    /// The backend's name in files and interfaces.
    pub fn name(self) -> &'static str {
        match self {
            BackendId::Groth16 => "groth16",
            BackendId::Halo2 => "halo2",
        }
    }
}

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name this build does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownBackend(pub String);

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend '{}' is not supported by this build (supported:", self.0)?;
        for b in BackendId::ALL {
            write!(f, " {b}")?;
        }
        f.write_str(")")
    }
}

impl core::error::Error for UnknownBackend {}

impl FromStr for BackendId {
    type Err = UnknownBackend;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendId::ALL.iter().copied().find(|b| b.name() == s).ok_or_else(|| UnknownBackend(s.into()))
    }
}

impl TryFrom<String> for BackendId {
    type Error = UnknownBackend;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known_ones() {
        for &b in BackendId::ALL {
            assert_eq!(b.name().parse::<BackendId>(), Ok(b));
            assert_eq!(b.to_string(), b.name());
        }
        let e = "plonk".parse::<BackendId>().unwrap_err();
        assert_eq!(e.to_string(), "backend 'plonk' is not supported by this build (supported: groth16 halo2)");
    }
}
