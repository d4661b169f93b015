; Inno Setup 6 script: the Windows installer of ShopStream Studio, from the PyInstaller
; one-folder app (build\pyinstaller\shopstream-studio).
;
; The version is defined once, in studio/__init__.py; pass it in:
;   for /f %v in ('python packaging\version.py') do iscc /DAppVersion=%v packaging\windows\shopstream-studio.iss
; (the CI workflow .github/workflows/installers.yml does the same). Output:
;   dist\ShopStream-Studio-<version>-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<studio.__version__> (python packaging\version.py)
#endif
#ifndef BundleDir
  #define BundleDir "..\..\build\pyinstaller\shopstream-studio"
#endif

#define AppName "ShopStream Studio"
#define AppExe "shopstream-studio.exe"

[Setup]
; A fixed AppId: upgrades replace the installed version instead of adding a second one.
AppId={{6F3C2A91-5B7E-4C1D-9A2F-0E8B7D4C3A15}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=ShopStream
AppPublisherURL=https://shopstream.app
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin prompt); the user may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=ShopStream-Studio-{#AppVersion}-setup
SetupIconFile=..\..\studio\resources\icons\shopstream-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder app: the windowed program, its console twin (command line, --self-test)
; and _internal\ (Python, Qt, the embedded PostgreSQL, the schema, the resources).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Settings, data (the local server, offline caches) and logs live under %LOCALAPPDATA% and are
; kept on uninstall, like a user's documents; the README says where, to remove them by hand.
