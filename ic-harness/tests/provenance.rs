//! Setup provenance in the verifier canister's real Wasm: what `register_model` and `rotate_key`
//! record about how a key was made (`SetupProvenance`), the checks of a declaration (its shape, a
//! ceremony claim against the key's `gamma_g2`), `InitArgs.require_ceremony`, the ingress limit
//! with the new fields, and the upgrade from the schema-1 canister (models read as single-party).
//!
//! No real ceremony key is used here: a key with `gamma_g2` replaced by the G2 generator
//! ([`Model::gamma_one_key`]) registers as a ceremony key but verifies no proof.
mod common;

use candid::{encode_args, encode_one, CandidType, Principal};
use common::calls::*;
use common::*;
use serde::Deserialize;
use serde_bytes::ByteBuf;
use verinfer_ic_harness::{Canister, Outcome};
use verinfer_verifier_canister::state::v1;
use verinfer_verifier_canister::types::*;

fn sha256(b: &[u8]) -> ByteBuf {
    use sha2::Digest;
    ByteBuf::from(sha2::Sha256::digest(b).to_vec())
}

fn metrics(c: &mut Canister) -> String {
    let req = HttpRequest { method: "GET".into(), url: "/metrics".into(), headers: vec![], body: ByteBuf::new() };
    let r: HttpResponse = query(c, stranger(), "http_request", encode_one(req).unwrap());
    String::from_utf8(r.body.to_vec()).unwrap()
}

#[test]
fn a_declared_ceremony_is_recorded_and_no_declaration_means_single_party() {
    let (d, i) = (digits(), iris());
    let mut c = install();
    let info = register(&mut c, controller(), d).unwrap();
    assert_eq!(info.setup, SetupProvenance::single_party());
    let (info, _) = register_key(&mut c, controller(), i, &i.gamma_one_key(), Some(ceremony_setup()));
    let info = info.unwrap();
    assert_eq!(info.setup, ceremony_setup());
    assert_eq!(info.key_hash, sha256(&i.gamma_one_key()));
    // get_model and list_models return what was declared
    assert_eq!(get_model(&mut c, i.hash()).unwrap().setup, ceremony_setup());
    assert_eq!(get_model(&mut c, d.hash()).unwrap().setup.kind, SetupKind::SingleParty);
    let listed: Vec<(ByteBuf, SetupProvenance)> =
        list_models(&mut c).into_iter().map(|m| (m.model_hash, m.setup)).collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&(i.hash(), ceremony_setup())));
    assert!(listed.contains(&(d.hash(), SetupProvenance::single_party())));
    let s = stats(&mut c);
    assert_eq!((s.models, s.ceremony_models, s.require_ceremony), (2, 1, false));
    let m = metrics(&mut c);
    for line in ["verinfer_models_ceremony 1\n", "verinfer_models_single_party 1\n", "verinfer_require_ceremony 0\n"] {
        assert!(m.contains(line), "{line}: {m}");
    }

    // rotate_key records the new key's provenance, and the count follows
    let one = SetupProvenance { contributions: 1, beacon: None, ..ceremony_setup() };
    let info = rotate(&mut c, controller(), &d.gamma_one_key(), Some(one.clone())).unwrap();
    assert_eq!((info.setup, info.key_rotations), (one.clone(), 1));
    assert_eq!(get_model(&mut c, d.hash()).unwrap().setup, one);
    assert_eq!(stats(&mut c).ceremony_models, 2);
    let info = rotate(&mut c, controller(), &d.key, Some(SetupProvenance::single_party())).unwrap();
    assert_eq!(info.setup, SetupProvenance::single_party());
    let info = rotate(&mut c, controller(), &d.key, None).unwrap();
    assert_eq!((info.setup, info.key_rotations), (SetupProvenance::single_party(), 3));
    assert_eq!(stats(&mut c).ceremony_models, 1);
    // a retired model keeps its provenance and is still counted (retired models are registered)
    let (r, _) =
        update::<Result<ModelInfo, Error>>(&mut c, controller(), "retire_model", encode_one(i.hash()).unwrap());
    assert_eq!(r.unwrap().setup, ceremony_setup());
    assert_eq!(stats(&mut c).ceremony_models, 1);
    assert!(metrics(&mut c).contains("verinfer_models_ceremony 1\n"));
}

#[test]
fn require_ceremony_refuses_single_party_keys_and_survives_upgrades() {
    let (d, i) = (digits(), iris());
    let mut c = install_with(Some(InitArgs { require_ceremony: Some(true), ..InitArgs::default() }));
    assert!(stats(&mut c).require_ceremony);
    assert!(metrics(&mut c).contains("verinfer_require_ceremony 1\n"));
    let required = Err(Error::CeremonyRequired { model_hash: d.hash() });
    assert_eq!(register(&mut c, controller(), d), required);
    assert_eq!(register_key(&mut c, controller(), d, &d.key, Some(SetupProvenance::single_party())).0, required);
    assert_eq!(stats(&mut c).models, 0, "nothing registered");
    // a false ceremony claim keeps its own error
    assert!(matches!(
        register_key(&mut c, controller(), d, &d.key, Some(ceremony_setup())).0,
        Err(Error::ProvenanceMismatch { .. })
    ));
    // a key declared from a ceremony (gamma_g2 = generator) is accepted
    let (info, _) = register_key(&mut c, controller(), d, &d.gamma_one_key(), Some(ceremony_setup()));
    assert_eq!(info.unwrap().setup, ceremony_setup());
    // rotating to a single-party key is refused and changes nothing
    assert_eq!(rotate(&mut c, controller(), &d.key, None), required);
    let kept = get_model(&mut c, d.hash()).unwrap();
    assert_eq!((kept.key_hash, kept.setup, kept.key_rotations), (sha256(&d.gamma_one_key()), ceremony_setup(), 0));

    // upgrades: omitted keeps the setting, false lifts it
    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();
    assert!(stats(&mut c).require_ceremony);
    assert_eq!(register(&mut c, controller(), i), Err(Error::CeremonyRequired { model_hash: i.hash() }));
    let keep = InitArgs { max_tickets: Some(50), ..InitArgs::default() };
    c.upgrade(canister_wasm(), controller(), encode_one(Some(keep)).unwrap()).unwrap();
    assert!(stats(&mut c).require_ceremony);
    let lift = InitArgs { require_ceremony: Some(false), ..InitArgs::default() };
    c.upgrade(canister_wasm(), controller(), encode_one(Some(lift)).unwrap()).unwrap();
    let s = stats(&mut c);
    assert_eq!((s.require_ceremony, s.max_tickets, s.ceremony_models), (false, 50, 1));
    assert_eq!(register(&mut c, controller(), i).unwrap().setup, SetupProvenance::single_party());
    // set again: models registered meanwhile keep their keys (and stay listed as single-party)
    let again = InitArgs { require_ceremony: Some(true), ..InitArgs::default() };
    c.upgrade(canister_wasm(), controller(), encode_one(Some(again)).unwrap()).unwrap();
    assert!(stats(&mut c).require_ceremony);
    assert_eq!(get_model(&mut c, i.hash()).unwrap().setup.kind, SetupKind::SingleParty);
}

#[test]
fn false_and_malformed_declarations_are_refused() {
    let d = digits();
    let mut c = install();
    // a ceremony claim for a key from `verinfer setup` (random gamma): refused, saying why
    match register_key(&mut c, controller(), d, &d.key, Some(ceremony_setup())).0 {
        Err(Error::ProvenanceMismatch { reason }) => assert!(reason.contains("gamma_g2"), "{reason}"),
        r => panic!("{r:?}"),
    }
    // malformed declarations, whatever the key
    let single = SetupProvenance::single_party;
    let bad: Vec<(&str, SetupProvenance)> = vec![
        ("ceremony, no contributions", SetupProvenance { contributions: 0, ..ceremony_setup() }),
        ("short transcript hash", SetupProvenance { transcript_hash: ByteBuf::from(vec![1; 31]), ..ceremony_setup() }),
        ("no ptau hash", SetupProvenance { ptau_hash: ByteBuf::new(), ..ceremony_setup() }),
        (
            "empty beacon",
            SetupProvenance { beacon: Some(Beacon { hash: ByteBuf::new(), iterations_exp: 10 }), ..ceremony_setup() },
        ),
        (
            "beacon over 255 bytes",
            SetupProvenance {
                beacon: Some(Beacon { hash: ByteBuf::from(vec![1; 256]), iterations_exp: 10 }),
                ..ceremony_setup()
            },
        ),
        (
            "beacon iterations 2^9",
            SetupProvenance {
                beacon: Some(Beacon { hash: ByteBuf::from(vec![1]), iterations_exp: 9 }),
                ..ceremony_setup()
            },
        ),
        (
            "beacon iterations 2^64",
            SetupProvenance {
                beacon: Some(Beacon { hash: ByteBuf::from(vec![1]), iterations_exp: 64 }),
                ..ceremony_setup()
            },
        ),
        ("single-party with contributions", SetupProvenance { contributions: 2, ..single() }),
        ("single-party with a transcript", SetupProvenance { transcript_hash: ByteBuf::from(vec![1; 32]), ..single() }),
        ("single-party with a ptau", SetupProvenance { ptau_hash: ByteBuf::from(vec![1; 32]), ..single() }),
        ("single-party with a beacon", SetupProvenance { beacon: ceremony_setup().beacon, ..single() }),
    ];
    for (what, setup) in &bad {
        for key in [d.key.clone(), d.gamma_one_key()] {
            let r = register_key(&mut c, controller(), d, &key, Some(setup.clone())).0;
            assert!(matches!(r, Err(Error::InvalidProvenance { .. })), "{what}: {r:?}");
        }
    }
    assert_eq!(stats(&mut c).models, 0);
    // the same checks in rotate_key, which then changes nothing
    let registered = register(&mut c, controller(), d).unwrap();
    for (what, setup) in &bad {
        let r = rotate(&mut c, controller(), &d.gamma_one_key(), Some(setup.clone()));
        assert!(matches!(r, Err(Error::InvalidProvenance { .. })), "{what}: {r:?}");
    }
    let other_setup = d.rekeyed(12);
    let r = rotate(&mut c, controller(), &other_setup.key, Some(ceremony_setup()));
    assert!(matches!(r, Err(Error::ProvenanceMismatch { .. })), "{r:?}");
    assert_eq!(get_model(&mut c, d.hash()), Some(registered));
    assert_eq!(stats(&mut c).ceremony_models, 0);
}

/// The largest well-formed `register_model` argument (a key at the 256 KiB limit, texts and
/// metadata at theirs, the longest beacon) passes `inspect_message`; the method then answers it.
#[test]
fn the_largest_registration_with_provenance_passes_the_ingress_filter() {
    let mut c = install();
    let setup = SetupProvenance {
        beacon: Some(Beacon { hash: ByteBuf::from(vec![0xbe; 255]), iterations_exp: 63 }),
        contributions: u32::MAX,
        ..ceremony_setup()
    };
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(vec![7; 256 * 1024]),
        name: "n".repeat(1024),
        version: "v".repeat(1024),
        metadata: (0..32).map(|k| (format!("{k:04}"), "m".repeat(1020))).collect(),
        setup: Some(setup),
    };
    let arg = encode_one(args).unwrap();
    eprintln!("largest register_model argument: {} bytes", arg.len());
    let r = c.ingress(controller(), "register_model", arg).unwrap();
    let reply: Result<ModelInfo, Error> = match &r.outcome {
        Outcome::Reply(b) => candid::decode_one(b).unwrap(),
        o => panic!("refused: {o:?}"),
    };
    assert!(matches!(reply, Err(Error::MalformedKey { .. })), "{reply:?}");
}

/// The schema-1 canister's Wasm (`tests/fixtures/verifier_schema1.wasm`, see the README there), or
/// `VERINFER_SCHEMA1_CANISTER_WASM`.
fn schema1_wasm() -> Vec<u8> {
    let path = std::env::var("VERINFER_SCHEMA1_CANISTER_WASM")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/verifier_schema1.wasm").into());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The schema-1 canister's `Stats` (the fields read here).
#[derive(CandidType, Deserialize, Debug)]
struct OldStats {
    models: u64,
    tickets_issued: u64,
    verifications_accepted: u64,
    next_ticket_id: u64,
}

#[test]
fn an_upgrade_from_schema_1_keeps_models_and_reads_them_as_single_party() {
    let (d, i) = (digits(), iris());
    let old_wasm = schema1_wasm();
    let mut c = Canister::install(&old_wasm, &[controller()], encode_one(None::<InitArgs>).unwrap()).unwrap();
    // state written by the old code: two models (one retired, one a registrar's), a verification
    // record, an open ticket
    let register_old = |c: &mut Canister, who: Principal, m: &Model| {
        let args = RegisterArgs {
            verifying_key: ByteBuf::from(m.key.clone()),
            name: m.name.into(),
            version: "1".into(),
            metadata: vec![("source".into(), "fixtures".into())],
            setup: None, // an extra opt field: the old canister ignores it
        };
        let (r, instructions) =
            update::<Result<v1::ModelInfo, Error>>(c, who, "register_model", encode_one(args).unwrap());
        (r.unwrap(), instructions)
    };
    let (old_d, old_instructions) = register_old(&mut c, controller(), d);
    let _: (Result<(), Error>, u64) = update(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    let (_, _) = register_old(&mut c, registrar(), i);
    let (old_i, _) =
        update::<Result<v1::ModelInfo, Error>>(&mut c, controller(), "retire_model", encode_one(i.hash()).unwrap());
    let old_i = old_i.unwrap();
    let t1 = request_seed(&mut c, d.hash(), d.commitment(1)).unwrap();
    let recorded = verify(&mut c, &args_of(&d.prove(seed_of(&t1), 1), Some(t1.id))).0.unwrap();
    let t2 = request_seed(&mut c, d.hash(), d.commitment(2)).unwrap();
    let before: OldStats = query(&mut c, stranger(), "stats", encode_args(()).unwrap());
    assert_eq!((before.models, before.tickets_issued, before.verifications_accepted), (2, 2, 1));
    let certified = c.certified_data();

    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();

    // the models: every field kept, and single-party
    for (old, key) in [(&old_d, &d.key), (&old_i, &i.key)] {
        let new = get_model(&mut c, old.model_hash.clone()).expect("kept");
        assert_eq!(new.setup, SetupProvenance::single_party());
        assert_eq!((&new.name, &new.version, &new.metadata), (&old.name, &old.version, &old.metadata));
        assert_eq!(
            (new.registered_by, new.registered_at, new.retired),
            (old.registered_by, old.registered_at, old.retired)
        );
        assert_eq!(
            (&new.key_hash, new.key_rotations, new.output_len),
            (&old.key_hash, old.key_rotations, old.output_len)
        );
        assert_eq!(new.registration_instructions, old.registration_instructions);
        assert_eq!(new.key_hash, sha256(key));
    }
    assert_eq!((old_d.registered_by, old_i.registered_by, old_i.retired), (controller(), registrar(), true));
    assert_eq!(list_models(&mut c).len(), 2);
    let s = stats(&mut c);
    assert_eq!((s.models, s.ceremony_models, s.require_ceremony), (2, 0, false));
    assert_eq!((s.tickets_issued, s.verifications_accepted, s.next_ticket_id), (2, 1, before.next_ticket_id));
    // the verification record and the certified data are the old ones
    assert_eq!(c.certified_data(), certified);
    let rec: Option<CertifiedVerification> = query(&mut c, stranger(), "get_verification", encode_one(1u64).unwrap());
    assert_eq!(rec.unwrap().verification, recorded);
    // the open ticket settles under the old model's key, prepared at the upgrade
    let (v, instructions) = verify(&mut c, &args_of(&d.prove(seed_of(&t2), 2), Some(t2.id)));
    assert_eq!(v.unwrap().key_hash, old_d.key_hash);
    assert!(instructions < 120_000_000, "{instructions}");

    // the old records are rewritten in the new schema when they change: a rotation to a declared
    // ceremony key, kept across the next upgrade
    let info = rotate(&mut c, controller(), &d.gamma_one_key(), Some(ceremony_setup())).unwrap();
    assert_eq!(
        (info.setup.kind, info.key_rotations, info.registered_at),
        (SetupKind::Ceremony, 1, old_d.registered_at)
    );
    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();
    assert_eq!(get_model(&mut c, d.hash()).unwrap().setup, ceremony_setup());
    assert_eq!(get_model(&mut c, i.hash()).unwrap().setup, SetupProvenance::single_party());
    assert_eq!(stats(&mut c).ceremony_models, 1);

    // register_model's instructions, old code and new, on fresh canisters
    let mut fresh = install();
    let (r, new_instructions) = register_key(&mut fresh, controller(), d, &d.key, None);
    r.unwrap();
    let (r, ceremony_instructions) =
        register_key(&mut fresh, controller(), i, &i.gamma_one_key(), Some(ceremony_setup()));
    r.unwrap();
    let mut old = Canister::install(&old_wasm, &[controller()], encode_one(None::<InitArgs>).unwrap()).unwrap();
    let (_, old_iris) = register_old(&mut old, controller(), i);
    eprintln!(
        "register_model: digits {old_instructions} instructions (schema 1) -> {new_instructions} (single-party); \
         iris {old_iris} (schema 1) -> {ceremony_instructions} (ceremony)"
    );
    assert!(new_instructions < old_instructions + old_instructions / 50, "{new_instructions} vs {old_instructions}");
}
