from quartier_solaire.cli import main

raise SystemExit(main())
