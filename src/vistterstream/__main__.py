from vistterstream.cli import main

raise SystemExit(main())
