"""The metadata store: runs, task instances, tries, XCom. In memory here; SQL to come."""
