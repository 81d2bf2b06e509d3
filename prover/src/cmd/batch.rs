//! `verinfer prove build/ --batch inputs.jsonl -o proofs/`: many proofs, one model and key load.
//!
//! Every line is read and checked before the first proof (a typo on line 900 is reported at once,
//! not after hours of proving). Proofs then run `--jobs` at a time, each in the shared thread pool
//! (a proof's sequential phases, the constraints and the key's decoding, leave cores idle that a
//! second proof fills). A failed input is reported with its line and the others go on; a proving
//! key that is not the file setup wrote stops the batch (every proof would fail the same way).
use super::prove::{self, random_seed, write_proof};
use crate::fsutil::{create_dir, read_string};
use crate::pipeline::{
    load_model, load_proving_key_with, one_sample, parse_hex32, parse_salt, prove_sample_timed, random_salt, KeyError,
};
use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;
use verinfer_circuits::{ProvingKey, Timings};
use verinfer_ir::{CompiledModel, InputSpec};
use verinfer_verifier::Fr;

/// What `prove --batch` was asked to do.
pub struct Job<'a> {
    /// The build directory.
    pub dir: &'a Path,
    /// The JSON Lines file of inputs.
    pub batch: &'a Path,
    /// The directory the proofs go to (created if missing).
    pub out: &'a Path,
    /// Proofs at once (default: one per worker thread).
    pub jobs: Option<usize>,
}

/// One line of a batch file.
#[derive(Debug)]
pub struct Request {
    /// Its line number, from 1.
    pub line: usize,
    /// The name of its proof file (without `.json`).
    pub id: String,
    /// The flattened input sample.
    pub input: Vec<f64>,
    /// The seed, if the line gives one (else random).
    pub seed: Option<[u8; 32]>,
    /// The commitment salt, if the line gives one (else random).
    pub salt: Option<Fr>,
}

/// The fields a line's object may have.
const FIELDS: [&str; 4] = ["input_data", "id", "seed", "salt"];

/// The longest id (a file name stays well inside every file system's limit).
const MAX_ID: usize = 100;

/// Parses a batch file: one JSON value per line, blank lines skipped. Errors name the line.
pub fn parse_requests(text: &str, input: &InputSpec) -> Result<Vec<Request>> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let Some(&(last, _)) = lines.last() else {
        bail!("holds no input: write one JSON value per line ({{\"input_data\": [[...]]}} or [...])");
    };
    let width = last.to_string().len();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(lines.len());
    for (line, text) in lines {
        let r = parse_line(line, text, input, width).with_context(|| format!("line {line}"))?;
        if let Some(first) = seen.insert(r.id.clone(), line) {
            bail!("line {line}: id '{}' is also line {first}'s: their proofs would overwrite each other", r.id);
        }
        out.push(r);
    }
    Ok(out)
}

fn parse_line(line: usize, text: &str, spec: &InputSpec, width: usize) -> Result<Request> {
    let v: Value = serde_json::from_str(text).map_err(|e| anyhow!("not JSON: {e}"))?;
    let default_id = format!("{line:0width$}");
    let mut request = Request { line, id: default_id, input: Vec::new(), seed: None, salt: None };
    match &v {
        Value::Array(_) => request.input = one_sample(&json!({ "input_data": [v] }), spec).map_err(|e| anyhow!(e))?,
        Value::Object(m) => {
            if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
                bail!("unknown field \"{k}\" (a line's object holds \"input_data\" and optionally \"id\", \"seed\", \"salt\")");
            }
            request.input = one_sample(&v, spec).map_err(|e| anyhow!(e))?;
            if let Some(id) = m.get("id") {
                request.id = check_id(id)?;
            }
            if let Some(seed) = m.get("seed") {
                request.seed = Some(parse_hex32(string(seed, "seed")?, "seed")?);
            }
            if let Some(salt) = m.get("salt") {
                request.salt = Some(parse_salt(string(salt, "salt")?)?);
            }
        }
        _ => bail!("expected an object ({{\"input_data\": [[...]]}}) or a list of the input's values"),
    }
    Ok(request)
}

fn string<'v>(v: &'v Value, what: &str) -> Result<&'v str> {
    v.as_str().ok_or_else(|| anyhow!("\"{what}\" must be a string of hex digits, not {v}"))
}

/// An id names a file in the output directory: letters, digits, `.`, `_`, `-`, not starting with `.`.
fn check_id(v: &Value) -> Result<String> {
    let id = v.as_str().ok_or_else(|| anyhow!("\"id\" must be a string, not {v}"))?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.is_empty() || id.len() > MAX_ID || id.starts_with('.') || !id.chars().all(allowed) {
        bail!(
            "id '{id}' cannot name a proof file: use 1 to {MAX_ID} letters, digits, '.', '_' or '-', not starting with '.'"
        );
    }
    Ok(id.to_string())
}

/// What became of one line.
enum Outcome {
    Proved { proof: PathBuf, output_index: u32, seconds: f64 },
    Failed(String),
}

/// Runs `prove --batch`.
pub fn run(job: &Job, args: &prove::Args, json: bool) -> Result<()> {
    let model = load_model(job.dir)?;
    if crate::pipeline::setup_backend(job.dir)? != verinfer_verifier::BackendId::Groth16 {
        anyhow::bail!("prove --batch proves with groth16 keys only; for halo2, run `verinfer prove` once per input");
    }
    let pk = load_proving_key_with(job.dir, &model, prove::validation(args))?;
    let text = read_string(job.batch)?;
    let requests = parse_requests(&text, &model.graph.input).with_context(|| job.batch.display().to_string())?;
    create_dir(job.out)?;
    let jobs = job.jobs.unwrap_or_else(rayon::current_num_threads).clamp(1, requests.len());
    let start = Instant::now();
    let outcomes = prove_all(&model, &pk, &requests, job.out, jobs);
    let wall = start.elapsed().as_secs_f64();
    report(job, &requests, &outcomes, (wall, jobs), json)
}

/// Proves every request, `jobs` at a time; `None` for requests not attempted (the batch stopped).
fn prove_all(
    model: &CompiledModel,
    pk: &ProvingKey,
    requests: &[Request],
    out: &Path,
    jobs: usize,
) -> Vec<Option<Outcome>> {
    let bar = ProgressBar::new(requests.len() as u64);
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} proofs, {elapsed} elapsed, about {eta} left")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= requests.len() || stop.load(Ordering::Relaxed) {
                return done;
            }
            let outcome = match prove_one(model, pk, &requests[i], out) {
                Ok(o) => o,
                Err(e) => {
                    if e.downcast_ref::<KeyError>().is_some() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    Outcome::Failed(super::error_line(&e))
                }
            };
            done.push((i, outcome));
            bar.inc(1);
        }
    };
    let mut outcomes: Vec<Option<Outcome>> = requests.iter().map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(worker)).collect();
        for h in handles {
            // A worker that panicked loses only its own results, which are reported as not proved.
            for (i, o) in h.join().unwrap_or_default() {
                outcomes[i] = Some(o);
            }
        }
    });
    bar.finish_and_clear();
    outcomes
}

fn prove_one(model: &CompiledModel, pk: &ProvingKey, r: &Request, out: &Path) -> Result<Outcome> {
    let seed = r.seed.unwrap_or_else(random_seed);
    let salt = match r.salt {
        Some(s) => s,
        None => random_salt(&mut rand::rngs::OsRng)?,
    };
    let start = Instant::now();
    let mut timings = Timings::default();
    let proved = prove_sample_timed(model, pk, &r.input, (seed, salt), &mut rand::rngs::OsRng, &mut timings)?;
    let seconds = start.elapsed().as_secs_f64();
    let proof = out.join(format!("{}.json", r.id));
    write_proof(&proof, &proved, salt)?;
    Ok(Outcome::Proved { proof, output_index: proved.file.output.index, seconds })
}

/// Prints the batch's results; an error (exit 1) if any input was not proved.
fn report(
    job: &Job,
    requests: &[Request],
    outcomes: &[Option<Outcome>],
    (wall, jobs): (f64, usize),
    json: bool,
) -> Result<()> {
    let mut results = Vec::with_capacity(requests.len());
    let mut failures = Vec::new();
    for (r, o) in requests.iter().zip(outcomes) {
        let (entry, failure) = match o {
            Some(Outcome::Proved { proof, output_index, seconds }) => (
                json!({ "line": r.line, "id": r.id, "proof": proof, "output_index": output_index, "seconds": seconds }),
                None,
            ),
            Some(Outcome::Failed(e)) => (json!({ "line": r.line, "id": r.id, "error": e }), Some(e.clone())),
            None => {
                let e = "not proved: the batch stopped at a proving-key error".to_string();
                (json!({ "line": r.line, "id": r.id, "error": e }), Some(e))
            }
        };
        if let Some(e) = failure {
            failures.push(format!("line {} ({}): {e}", r.line, r.id));
        }
        results.push(entry);
    }
    let proved = requests.len() - failures.len();
    let per_minute = if wall > 0.0 { 60.0 * proved as f64 / wall } else { 0.0 };
    let value = json!({
        "directory": job.out, "inputs": requests.len(), "proved": proved, "failed": failures.len(),
        "jobs": jobs, "seconds": wall, "proofs_per_minute": per_minute, "results": results,
    });
    let mut text = format!(
        "proved {proved} of {} inputs into {} in {wall:.2} s ({per_minute:.1} proofs a minute, {jobs} at a time)",
        requests.len(),
        job.out.display()
    );
    for f in &failures {
        text.push_str(&format!("\n  {f}"));
    }
    super::emit(json, &value, &text)?;
    if !failures.is_empty() {
        bail!("{} of {} inputs were not proved (listed above)", failures.len(), requests.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use verinfer_ir::InputSpec;

    fn spec(n: usize) -> InputSpec {
        InputSpec::new("x", vec![1, n])
    }

    #[test]
    fn lines_are_objects_or_lists_and_ids_default_to_padded_line_numbers() {
        let text =
            "{\"input_data\": [[1, 2]]}\n\n[3, 4]\n{\"input_data\": [[5, 6]], \"id\": \"a-1\", \"seed\": \"00\"}\n";
        let e = parse_requests(text, &spec(2)).unwrap_err();
        assert!(format!("{e:#}").contains("line 4"), "{e:#}");
        assert!(format!("{e:#}").contains("64"), "{e:#}");
        let seed = "11".repeat(32);
        let text = format!("{{\"input_data\": [[1, 2]]}}\n\n[3, 4]\n{{\"input_data\": [[5, 6]], \"id\": \"a-1\", \"seed\": \"{seed}\", \"salt\": \"2a\"}}\n");
        let r = parse_requests(&text, &spec(2)).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].line, r[0].id.as_str(), r[0].input.as_slice()), (1, "1", &[1.0, 2.0][..]));
        assert_eq!((r[1].line, r[1].id.as_str(), r[1].input.as_slice()), (3, "3", &[3.0, 4.0][..]));
        assert_eq!(r[2].id, "a-1");
        assert_eq!(r[2].seed, Some([0x11; 32]));
        assert_eq!(r[2].salt, Some(Fr::from(42u64)));
        assert!(r[0].seed.is_none() && r[0].salt.is_none());
        let many: String = (0..12).map(|i| format!("[{i}, {i}]\n")).collect();
        let ids: Vec<_> = parse_requests(&many, &spec(2)).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids[0], "01");
        assert_eq!(ids[11], "12");
    }

    #[test]
    fn bad_lines_are_named_before_any_proof() {
        let cases = [
            ("", "holds no input"),
            ("[1, 2]\n[1, 2, 3]\n", "line 2"),
            ("[1, 2]\n{\"input\": [[1, 2]]}\n", "unknown field \"input\""),
            ("{\"input_data\": [[1, 2]], \"id\": \"../x\"}", "cannot name a proof file"),
            ("{\"input_data\": [[1, 2]], \"id\": 7}", "\"id\" must be a string"),
            ("{\"input_data\": [[1, 2]], \"id\": \"a\"}\n{\"input_data\": [[1, 2]], \"id\": \"a\"}", "also line 1's"),
            ("{\"input_data\": [[1, 2]], \"id\": \"2\"}\n[1, 2]", "also line 1's"),
            ("{\"input_data\": [[1, 2]], \"salt\": 5}", "\"salt\" must be a string"),
            ("[1, 2\n", "not JSON"),
            ("7", "expected an object"),
        ];
        for (text, want) in cases {
            let e = format!("{:#}", parse_requests(text, &spec(2)).unwrap_err());
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
