// Runs before the first paint (a classic script, not a module) so an Arabic page never flashes
// left-to-right while the modules load.
(function () {
  var lang = null;
  try {
    lang = localStorage.getItem('autologa.lang');
  } catch (e) {
    lang = null;
  }
  if (lang === 'ar') {
    document.documentElement.lang = 'ar';
    document.documentElement.dir = 'rtl';
  }
})();
