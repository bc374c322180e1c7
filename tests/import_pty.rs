//! The import screen through the real binary in a pseudo-terminal: from the caseload, the
//! path typed and completed with Tab, the preview, the import, back to the caseload with
//! the people imported.

#![cfg(unix)]

use harness::Tui;

mod support;
use support::pty as harness;

const CTRL_C: &str = "\x03";

#[test]
fn import_screen_path_completion_preview_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");
    let lists = dir.path().join("listes");
    std::fs::create_dir(&lists).unwrap();
    std::fs::write(
        lists.join("orientations-novembre.csv"),
        "Nom;Prénom;Date de naissance;Date d'orientation\n\
         Dupont;Hélène;05/03/1985;02/11/2026\n\
         Martin;Éric;24/12/1979;20/11/2026\n\
         ;Sansnom;01/01/1990;\n",
    )
    .unwrap();
    // Another entry, so that Tab has to pick by what is typed.
    std::fs::write(lists.join("notes.txt"), "rien").unwrap();

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.create_first_account();
    tui.wait_for("Bienvenue");
    tui.send("i");
    tui.wait_for("Liste d'orientation (CSV, XLSX, XLS, ODS)");
    // The folder, then Tab: one file starts with « or », completed.
    tui.send(&format!("{}/or", lists.display()));
    tui.send("\t");
    tui.wait_for("orientations-novembre.csv");
    tui.send("\r");
    tui.wait_for(
        "3 lignes : 2 nouvelles personnes, 0 déjà connue (mise à jour), 0 conflit, 1 rejetée",
    );
    tui.wait_for("Ligne 4 : rejetée, nom manquant");
    tui.wait_for("Aperçu : rien n'est encore importé");
    tui.send("\r");
    tui.wait_for("Import terminé : 2 personnes créées, 0 dossier complété");
    tui.send("\r");
    tui.wait_for("DUPONT Hélène");
    tui.wait_for("MARTIN Éric");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "{}", tui.screen());
    tui.assert_terminal_restored();
}
