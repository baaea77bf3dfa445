from paygate_cli.main import main

raise SystemExit(main())
