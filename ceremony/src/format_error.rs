//! Typed errors for reading snarkjs's binary files (`.r1cs`, `.ptau`, `.zkey`).
//!
//! Every error names the file kind or the item that is wrong (section id, point name and index)
//! so that a user handed a bad file learns what to fix. Parsers return these errors for every
//! malformed input; they never panic on untrusted bytes.

/// What is wrong with a `.r1cs`, `.ptau` or `.zkey` file.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[non_exhaustive]
pub enum FormatError {
    /// The file does not start with the expected 4-byte magic (e.g. `zkey`).
    #[error("not a {} file: it starts with \"{}\"", show_magic(expected), show_magic(found))]
    BadMagic {
        /// The magic this reader expects.
        expected: [u8; 4],
        /// The first four bytes of the file.
        found: [u8; 4],
    },
    /// The container version is not 1 (the only version snarkjs writes).
    #[error("{kind} file version {version} is not supported (only version 1)")]
    UnsupportedVersion {
        /// File kind (`r1cs`, `ptau`, `zkey`).
        kind: String,
        /// The version found.
        version: u32,
    },
    /// The data ends before an item is complete.
    #[error("truncated {what}: needs {needed} bytes, has {have}")]
    Truncated {
        /// The item being read (e.g. `zkey section headers`, `r1cs constraint 12`).
        what: String,
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        have: u64,
    },
    /// A section the format requires is absent.
    #[error("{kind} file has no section {id}")]
    MissingSection {
        /// File kind.
        kind: String,
        /// Section id.
        id: u32,
    },
    /// A section id occurs more than once.
    #[error("{kind} file has section {id} more than once")]
    DuplicateSection {
        /// File kind.
        kind: String,
        /// Section id.
        id: u32,
    },
    /// A section's length does not match what its header and counts imply.
    #[error("{kind} section {id} has {found} bytes, expected {expected}")]
    SectionSize {
        /// File kind.
        kind: String,
        /// Section id.
        id: u32,
        /// Expected length in bytes.
        expected: u64,
        /// Actual length in bytes.
        found: u64,
    },
    /// The file is for another curve or field than BN254 (snarkjs's `bn128`).
    #[error(
        "the file is for another curve{}: field modulus 0x{field_modulus_hex}; verinfer uses BN254 (snarkjs bn128)",
        curve_hint(field_modulus_hex)
    )]
    WrongCurve {
        /// The modulus found in the file, big-endian hex without `0x`.
        field_modulus_hex: String,
    },
    /// The zkey is for another proof system (snarkjs: 1 = groth16, 2 = plonk, 10 = fflonk).
    #[error("zkey is not a Groth16 key: protocol id {protocol} ({})", protocol_name(*protocol))]
    NotGroth16 {
        /// The protocol id found in section 1.
        protocol: u32,
    },
    /// A point coordinate or scalar is not below its field modulus.
    #[error("{what} {index}: coordinate or scalar not below the field modulus")]
    CoordinateOutOfRange {
        /// The item (e.g. `zkey A`, `ptau tauG1`).
        what: String,
        /// Index within the item.
        index: usize,
    },
    /// A point is not on the curve.
    #[error("{what} {index}: point is not on the BN254 curve")]
    NotOnCurve {
        /// The item (e.g. `zkey B2`).
        what: String,
        /// Index within the item.
        index: usize,
    },
    /// A G2 point is on the curve but not in the prime-order subgroup.
    #[error("{what} {index}: point is not in the prime-order subgroup")]
    NotInSubgroup {
        /// The item.
        what: String,
        /// Index within the item.
        index: usize,
    },
    /// The ptau file lacks the Lagrange sections 12..15 that `snarkjs powersoftau prepare phase2` adds.
    #[error("the ptau file is not prepared for phase 2 (sections 12-15 missing): run `snarkjs powersoftau prepare phase2` or use a *_final_*.ptau file")]
    NotPreparedForPhase2,
    /// The ptau file has fewer powers than the circuit's domain needs.
    #[error(
        "the circuit needs 2^{needed_power} powers of tau but the ptau file has 2^{have_power}; download {download} ({}) from {}",
        ptau_size_text(*needed_power),
        PTAU_DOWNLOAD_BASE
    )]
    TooFewPowers {
        /// log2 of the circuit's domain size.
        needed_power: u32,
        /// The ptau file's power.
        have_power: u32,
        /// The Perpetual Powers of Tau (Hermez) file to download, e.g. `powersOfTau28_hez_final_15.ptau`.
        download: String,
    },
    /// Any other inconsistency.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The item.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

/// Where the Hermez Perpetual Powers of Tau files are published (snarkjs README).
pub const PTAU_DOWNLOAD_BASE: &str = "https://storage.googleapis.com/zkevm/ptau/";

/// The largest power of a BN254 ptau file: the 2-adicity of the scalar field.
pub const MAX_POWER: u32 = 28;

/// The name of the Hermez Perpetual Powers of Tau file (prepared for phase 2) with at least
/// `2^power` powers. There are files for powers 8 to 28; smaller powers get the power-8 file.
pub fn hermez_ptau_file_name(power: u32) -> String {
    match power {
        p if p >= MAX_POWER => "powersOfTau28_hez_final.ptau".to_string(),
        p => format!("powersOfTau28_hez_final_{:02}.ptau", p.max(8)),
    }
}

/// The exact size in bytes of a phase-2-prepared ptau file of `power`, without the contents of
/// its contributions section (7), which grows by about 1.5 kB per contribution:
/// header 12 + 11 section headers of 12, section 1 (44), 2 `(2^(p+1)-1)` G1, 3 `2^p` G2,
/// 4 and 5 `2^p` G1 each, 6 one G2, 12 `(2^(p+2)-1)` G1, 13 `(2^(p+1)-1)` G2,
/// 14 and 15 `(2^(p+1)-1)` G1 each; in total `1152 * 2^p - 68` bytes.
pub fn prepared_ptau_size_without_contributions(power: u32) -> u64 {
    let n = 1u64 << power.min(40);
    let g1 = 64u64;
    let g2 = 128u64;
    12 + 11 * 12
        + 44
        + (2 * n - 1) * g1
        + n * g2
        + 2 * n * g1
        + g2
        + (4 * n - 1) * g1
        + (2 * n - 1) * g2
        + 2 * (2 * n - 1) * g1
}

/// A rounded, human-readable size of the Hermez file for `power` (e.g. `~38 MB`).
fn ptau_size_text(power: u32) -> String {
    if power > MAX_POWER {
        return "no BN254 ptau can hold more than 2^28 powers".to_string();
    }
    // The Hermez files carry 54 contributions and a beacon, about 85 kB.
    let bytes = prepared_ptau_size_without_contributions(power.max(8)) + 85_000;
    let b = bytes as f64;
    let (v, unit) = if b >= 1e9 {
        (b / 1e9, "GB")
    } else if b >= 1e6 {
        (b / 1e6, "MB")
    } else {
        (b / 1e3, "kB")
    };
    if v < 10.0 {
        format!("~{v:.1} {unit}")
    } else {
        format!("~{v:.0} {unit}")
    }
}

fn show_magic(m: &[u8; 4]) -> String {
    m.iter().flat_map(|b| std::ascii::escape_default(*b)).map(char::from).collect()
}

fn protocol_name(id: u32) -> &'static str {
    match id {
        1 => "groth16",
        2 => "plonk",
        10 => "fflonk",
        _ => "unknown",
    }
}

fn curve_hint(modulus_hex: &str) -> &'static str {
    match modulus_hex.trim_start_matches('0') {
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab" => {
            " (BLS12-381 base field)"
        }
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001" => " (BLS12-381 scalar field)",
        "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001" => {
            " (BN254 scalar field where the base field was expected)"
        }
        "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47" => {
            " (BN254 base field where the scalar field was expected)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_sizes() {
        assert_eq!(hermez_ptau_file_name(3), "powersOfTau28_hez_final_08.ptau");
        assert_eq!(hermez_ptau_file_name(15), "powersOfTau28_hez_final_15.ptau");
        assert_eq!(hermez_ptau_file_name(28), "powersOfTau28_hez_final.ptau");
        assert_eq!(prepared_ptau_size_without_contributions(15), 1152 * (1 << 15) - 68);
        assert_eq!(ptau_size_text(15), "~38 MB");
        let e = FormatError::TooFewPowers { needed_power: 15, have_power: 12, download: hermez_ptau_file_name(15) };
        let msg = e.to_string();
        assert!(
            msg.contains("2^15") && msg.contains("powersOfTau28_hez_final_15.ptau") && msg.contains("~38 MB"),
            "{msg}"
        );
    }
}
