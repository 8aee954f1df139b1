//! `motcua catalog export|import`: JSON and CSV, and a CSV round trip that gives back the same
//! procedures.

use std::path::Path;
use std::process::{Command, Output};

fn motcua(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua")).args(args).current_dir(dir).env("RUST_LOG", "warn").output().unwrap()
}

fn text(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn a_catalog_exported_as_csv_imports_back_to_the_same_procedures() {
    let root = std::env::temp_dir().join(format!("motcua-catalog-{}", std::process::id()));
    let (a, b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    text(&motcua(&a, &["demo", "--dossiers", "0"]));
    text(&motcua(&b, &["demo", "--dossiers", "0"]));

    let json_a = text(&motcua(&a, &["catalog", "export", "--format", "json"]));
    let csv_a = text(&motcua(&a, &["catalog", "export", "--format", "csv"]));
    let parsed: serde_json::Value = serde_json::from_str(&json_a).unwrap();
    assert_eq!(parsed["procedures"].as_array().unwrap().len(), 46);
    assert_eq!(csv_a.lines().count(), 47, "a header and one row per procedure");
    assert!(csv_a.lines().next().unwrap().starts_with("agency,code,name,who_may_apply,field,field_name"));
    assert!(csv_a.contains("Tiếp nhận và chuyển hồ sơ ; VPDK ; reception ; 4h"));

    let csv_file = root.join("danh-muc.csv");
    std::fs::write(&csv_file, &csv_a).unwrap();
    let out = text(&motcua(&b, &["catalog", "import", csv_file.to_str().unwrap()]));
    assert!(out.contains("Đã công bố 46 thủ tục"), "{out}");
    let json_b = text(&motcua(&b, &["catalog", "export", "--format", "json"]));
    assert_eq!(json_b, json_a, "the CSV round trip changed a procedure");

    // A bad row is refused with its line and column; nothing is published.
    let broken = csv_a.replacen("; reception ;", "; receptionist ;", 1);
    std::fs::write(&csv_file, broken).unwrap();
    let out = motcua(&b, &["catalog", "import", csv_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dòng 2: steps"), "{err}");

    // JSON import: a new version of each procedure.
    let json_file = root.join("danh-muc.json");
    std::fs::write(&json_file, &json_a).unwrap();
    assert!(text(&motcua(&b, &["catalog", "import", json_file.to_str().unwrap()])).contains("46"));

    // Issue 12: all or nothing. The tenth procedure's budgets do not add up: nothing is
    // published, not even the nine before it, and the problem is named.
    let before = text(&motcua(&b, &["catalog", "export", "--format", "json"]));
    let mut bad: serde_json::Value = serde_json::from_str(&json_a).unwrap();
    bad["procedures"][9]["time_limit"] = serde_json::json!("99d");
    std::fs::write(&json_file, bad.to_string()).unwrap();
    let out = motcua(&b, &["catalog", "import", json_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("không nhập gì") && err.contains(bad["procedures"][9]["code"].as_str().unwrap()), "{err}");
    assert_eq!(text(&motcua(&b, &["catalog", "export", "--format", "json"])), before, "nothing was published");
    std::fs::remove_dir_all(&root).unwrap();
}
